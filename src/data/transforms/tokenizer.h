#pragma once
// Word tokenization of UTF-8 text, the same for fitting a vocabulary and for serving.
//
// Words are runs of ASCII letters and digits and of non-ASCII letters (multibyte UTF-8
// sequences are kept whole). Separators: ASCII whitespace and punctuation (including '_'),
// Unicode spaces and punctuation (Latin-1 punctuation, General Punctuation U+2000-206F, CJK
// punctuation U+3000-303F, fullwidth punctuation, currency and arrow/math/box symbols), and
// invalid UTF-8 bytes (dropped, so tokens are always valid UTF-8 and survive JSON). CJK
// ideographs and emoji are tokens of one character each, as in BERT's basic tokenizer, because
// those scripts do not separate words with spaces.
//
// Lowercasing covers ASCII, Latin-1, Latin Extended-A, Latin Extended Additional (Vietnamese),
// Greek and Cyrillic with Unicode's simple case mapping; other scripts are left as they are
// (most have no case).

#include <string>
#include <string_view>
#include <vector>

namespace easel::data::transforms {

// Appends the tokens of `text` to `out`.
void Tokenize(std::string_view text, bool lowercase, std::vector<std::string>* out);

// True when `text` is valid UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
bool IsValidUtf8(std::string_view text);
// `text` with every invalid byte replaced by U+FFFD: the form a JSON document keeps (see
// DumpJson), so that strings a pipeline stores and strings it compares agree.
std::string ReplaceInvalidUtf8(std::string_view text);

}  // namespace easel::data::transforms
