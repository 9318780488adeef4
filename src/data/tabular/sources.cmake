# The record-dataset part of src/data (tabular, text classification, time series): the CSV
# parser, CSV and JSON lines importers and exporters, timestamps and record statistics.
# Included by src/data/CMakeLists.txt; paths are relative to src/data.
set(DATA_TABULAR_SOURCES
    tabular/cells.cc
    tabular/column_stats.cc
    tabular/csv.cc
    tabular/csv_import.cc
    tabular/distinct_counter.cc
    tabular/exporters.cc
    tabular/importers.cc
    tabular/jsonl_import.cc
    tabular/line_splitter.cc
    tabular/record_stats.cc
    tabular/source_reading.cc
    tabular/time_stats.cc
    tabular/timestamps.cc)
set(DATA_TABULAR_TESTS
    tabular/csv_test.cc
    tabular/csv_throughput_test.cc
    tabular/exporters_test.cc
    tabular/importers_test.cc
    tabular/record_stats_test.cc
    tabular/sklearn_datasets_test.cc
    tabular/timestamps_test.cc)
