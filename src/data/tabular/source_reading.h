#pragma once
// What the record importers share: their parameters, choosing the file to read in an upload,
// and streaming it with progress and cancellation.

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/status.h"
#include "data/importer.h"
#include "data/source_files.h"

namespace easel::data {

// `params` must be null or an object whose keys are all in `known`; INVALID_ARGUMENT naming
// the unknown key and listing the known ones otherwise.
Status CheckParams(const Json& params, std::string_view format,
                   std::initializer_list<std::string_view> known);
// A string parameter, `fallback` when absent or null. INVALID_ARGUMENT when not a string.
Result<std::string> StringParam(const Json& params, std::string_view name, std::string fallback);

// The file an importer reads: params["file"] when given (INVALID_ARGUMENT if not in the
// upload), else the one file with one of `extensions`, else the only file of a one-file
// upload. Several candidates without `file`, or none, is INVALID_ARGUMENT listing what there is.
Result<const SourceFile*> SelectFile(const SourceFiles& files, const Json& params,
                                     std::initializer_list<std::string_view> extensions,
                                     std::string_view kind);

// How sure a format that reads one file with `extensions` is about `files`: 90 for a one-file
// upload of that kind, 70 when other files come with the one, 30 when there are several (run
// then asks which), 0 when there is none.
int DetectOneFile(const SourceFiles& files, std::initializer_list<std::string_view> extensions);

// Streams `file` to `consume` chunk by chunk, reporting progress by bytes and returning
// CANCELLED once sink.cancelled(). The first error of `consume` stops the read and is returned.
Status ReadWithProgress(const SourceFiles& files, const SourceFile& file, ImportSink& sink,
                        const std::function<Status(std::string_view)>& consume);

}  // namespace easel::data
