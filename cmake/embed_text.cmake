# Writes a C++ source defining `std::string_view NAME()` in namespace NS that returns the text
# of file IN, so the binary carries it. Run at build time: -DIN=<file> -DOUT=<file.cpp>
# -DNAME=<function> -DNS=<namespace>.
file(READ "${IN}" text)
string(FIND "${text}" ")contactsd_embed\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} holds the raw string's delimiter")
endif()
set(body "// Generated from ${IN} by cmake/embed_text.cmake. Do not edit.\n")
string(APPEND body "#include <string_view>\n\nnamespace ${NS} {\n")
string(APPEND body "std::string_view ${NAME}() {\n  return R\"contactsd_embed(${text})contactsd_embed\";\n}\n")
string(APPEND body "}  // namespace ${NS}\n")
file(WRITE "${OUT}.tmp" "${body}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
