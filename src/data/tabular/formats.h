#pragma once
// The record-dataset formats: importers `csv` (tabular, text classification, time series) and
// `jsonl` (text classification), exporters of the same names. formats.cc calls these from its
// one list of formats.
//
// Conventions every record format here keeps, so that import → export → import gives the same
// samples:
//  - cells are the exact strings of the source; missing values are nullopt (cells.h says which
//    CSV fields are missing);
//  - text classification: the text is the first column, the label is sample.labels (one, or
//    none for an unlabeled row), never a column;
//  - time series: the columns start with "timestamp", "value" and optionally "series_id"
//    (named so, in lower case, whatever the case in the file), then covariates; every
//    timestamp parses (ParseTimestamp) and every value is a number or missing.

#include "data/exporter.h"
#include "data/importer.h"

namespace easel::data {

// Register() errors are programming errors (a name registered twice): they are logged.
void RegisterTabularImporters(ImporterRegistry& registry);
void RegisterTabularExporters(ExporterRegistry& registry);

}  // namespace easel::data
