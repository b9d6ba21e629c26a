# Writes a C++ source that holds each model file as a string, so the binary carries its
# built-in models. Run at build time: -DOUT=<file.cpp> -DMODELS=a,b -DDIR=<models dir>.
string(REPLACE "," ";" MODELS "${MODELS}")
set(body "// Generated from models/*.json by cmake/embed_models.cmake. Do not edit.\n")
string(APPEND body "#include \"model/builtin_models.hpp\"\n\nnamespace contactsd::model {\n")
string(APPEND body "const std::vector<BuiltinModel>& BuiltinModels() {\n")
string(APPEND body "  static const std::vector<BuiltinModel> kModels = {\n")
foreach(name IN LISTS MODELS)
  file(READ "${DIR}/${name}.json" text)
  string(APPEND body "      {\"${name}\", R\"contactsd_model(${text})contactsd_model\"},\n")
endforeach()
string(APPEND body "  };\n  return kModels;\n}\n}  // namespace contactsd::model\n")
file(WRITE "${OUT}.tmp" "${body}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
