#include "data/transforms/tokenizer.h"

#include <cstdint>

namespace easel::data::transforms {

namespace {

enum class CharClass { kWord, kSeparator, kSingle };

// Decodes one UTF-8 code point at text[*i], advancing *i. Returns -1 (and advances one byte)
// for an invalid or overlong sequence, a surrogate, or a value beyond U+10FFFF.
int32_t DecodeUtf8(std::string_view text, size_t* i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char b0 = byte(*i);
  if (b0 < 0x80) {
    ++*i;
    return b0;
  }
  int len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 0;
  if (len == 0 || b0 > 0xF4 || *i + len > text.size()) {
    ++*i;
    return -1;
  }
  int32_t cp = b0 & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    unsigned char b = byte(*i + k);
    if ((b & 0xC0) != 0x80) {
      ++*i;
      return -1;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr int32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*i;
    return -1;
  }
  *i += len;
  return cp;
}

void EncodeUtf8(int32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool In(int32_t cp, int32_t lo, int32_t hi) { return cp >= lo && cp <= hi; }

CharClass Classify(int32_t cp) {
  if (cp < 0x80) {
    bool alnum = In(cp, '0', '9') || In(cp, 'a', 'z') || In(cp, 'A', 'Z');
    return alnum ? CharClass::kWord : CharClass::kSeparator;
  }
  // Latin-1: C1 controls, NBSP and the punctuation/symbols block, except the letters
  // ª (U+00AA), µ (U+00B5) and º (U+00BA); × and ÷.
  if (In(cp, 0x80, 0xBF)) {
    return cp == 0xAA || cp == 0xB5 || cp == 0xBA ? CharClass::kWord : CharClass::kSeparator;
  }
  if (cp == 0xD7 || cp == 0xF7) return CharClass::kSeparator;
  if (In(cp, 0x2000, 0x206F) ||  // general punctuation and spaces
      In(cp, 0x20A0, 0x20CF) ||  // currency
      In(cp, 0x2190, 0x25FF) ||  // arrows, math operators, technical, box drawing, shapes
      In(cp, 0x2E00, 0x2E7F) ||  // supplemental punctuation
      In(cp, 0x3000, 0x303F) ||  // CJK symbols and punctuation, ideographic space
      In(cp, 0xFE00, 0xFE0F) ||  // variation selectors
      In(cp, 0xFE10, 0xFE1F) || In(cp, 0xFE30, 0xFE6F) ||  // vertical, compatibility forms
      cp == 0xFEFF ||                                      // byte order mark
      In(cp, 0xFF00, 0xFF0F) || In(cp, 0xFF1A, 0xFF20) || In(cp, 0xFF3B, 0xFF40) ||
      In(cp, 0xFF5B, 0xFF65)) {  // fullwidth punctuation
    return CharClass::kSeparator;
  }
  if (In(cp, 0x3400, 0x4DBF) || In(cp, 0x4E00, 0x9FFF) || In(cp, 0xF900, 0xFAFF) ||
      In(cp, 0x20000, 0x2FA1F) ||                            // CJK ideographs
      In(cp, 0x2600, 0x27BF) || In(cp, 0x1F000, 0x1FAFF)) {  // symbols, dingbats, emoji
    return CharClass::kSingle;
  }
  return CharClass::kWord;
}

int32_t ToLower(int32_t cp) {
  if (In(cp, 'A', 'Z')) return cp + 32;
  if (cp < 0xC0) return cp;
  if (In(cp, 0xC0, 0xDE) && cp != 0xD7) return cp + 0x20;
  if (cp >= 0x100 && cp <= 0x17F) {
    if (cp == 0x130) return 'i';
    if (cp == 0x178) return 0xFF;
    bool even = cp % 2 == 0;
    if ((In(cp, 0x100, 0x12F) || In(cp, 0x132, 0x137) || In(cp, 0x14A, 0x177)) && even) {
      return cp + 1;
    }
    if ((In(cp, 0x139, 0x148) || In(cp, 0x179, 0x17E)) && !even) return cp + 1;
    return cp;
  }
  if (cp == 0x386) return 0x3AC;
  if (In(cp, 0x388, 0x38A)) return cp + 0x25;
  if (cp == 0x38C) return 0x3CC;
  if (In(cp, 0x38E, 0x38F)) return cp + 0x3F;
  if (In(cp, 0x391, 0x3AB) && cp != 0x3A2) return cp + 0x20;
  if (In(cp, 0x400, 0x40F)) return cp + 0x50;
  if (In(cp, 0x410, 0x42F)) return cp + 0x20;
  if ((In(cp, 0x1E00, 0x1E95) || In(cp, 0x1EA0, 0x1EFF)) && cp % 2 == 0) return cp + 1;
  return cp;
}

}  // namespace

void Tokenize(std::string_view text, bool lowercase, std::vector<std::string>* out) {
  std::string word;
  auto flush = [&] {
    if (!word.empty()) out->push_back(std::move(word));
    word.clear();
  };
  size_t i = 0;
  while (i < text.size()) {
    // ASCII fast path.
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      if (Classify(c) == CharClass::kWord) {
        word.push_back(static_cast<char>(lowercase ? ToLower(c) : c));
      } else {
        flush();
      }
      continue;
    }
    int32_t cp = DecodeUtf8(text, &i);
    if (cp < 0) {
      flush();
      continue;
    }
    switch (Classify(cp)) {
      case CharClass::kWord:
        EncodeUtf8(lowercase ? ToLower(cp) : cp, &word);
        break;
      case CharClass::kSeparator:
        flush();
        break;
      case CharClass::kSingle:
        flush();
        EncodeUtf8(cp, &word);
        flush();
        break;
    }
  }
  flush();
}

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
    } else if (DecodeUtf8(text, &i) < 0) {
      return false;
    }
  }
  return true;
}

std::string ReplaceInvalidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    int32_t cp = DecodeUtf8(text, &i);
    EncodeUtf8(cp < 0 ? 0xFFFD : cp, &out);
  }
  return out;
}

}  // namespace easel::data::transforms
