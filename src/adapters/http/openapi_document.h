// docs/openapi.json, the OpenAPI 3.1 description of this API, as the build found it (the bytes
// are embedded by cmake/embed_file.cmake; GET /v1/openapi.json serves them unchanged).
#pragma once

#include <string_view>

namespace restock::http {

std::string_view openapi_document();

}  // namespace restock::http
