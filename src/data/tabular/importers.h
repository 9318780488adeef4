#pragma once
// The run functions of the record importers (registered by importers.cc), exposed for tests.
// Both stream their file: memory is bounded by the longest record, never the file.

#include "common/json.h"
#include "common/status.h"
#include "data/importer.h"

namespace easel::data {

// `csv` (csv_import.cc). Params: delimiter ("," ";" "\t" or "tab" "|" or any single byte;
// detected when absent), file, and for text classification text_column (default "text" when
// there is such a column, else the first column that is not the label) and label_column
// (default "label"; without one the rows are unlabeled). Time series need a header starting
// timestamp,value[,series_id]; a row whose timestamp does not parse or whose value is not a
// number is an error naming its line.
Status ImportCsv(const SourceFiles& files, DatasetType type, const Json& params, ImportSink& sink);

// `jsonl` (jsonl_import.cc): text classification, one JSON object per line with the text in
// text_column (default "text") and the label in label_column (default "label"; a string, a
// number or a boolean, absent or null when unlabeled). Other fields go to sample.meta. Params:
// text_column, label_column, file.
Status ImportJsonl(const SourceFiles& files, DatasetType type, const Json& params,
                   ImportSink& sink);

}  // namespace easel::data
