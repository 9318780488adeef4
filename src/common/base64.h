#pragma once
// Standard base64 (RFC 4648 §4: '+', '/', '=' padding), as data: URIs and JSON payloads carry
// binary data. Ids and secrets use base64url from common/random.h.

#include <string>
#include <string_view>

namespace easel {

std::string Base64Encode(std::string_view bytes);

}  // namespace easel
