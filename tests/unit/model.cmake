contactsd_unit_test(contactsd_model_tests
  SOURCES
    model/value_check_test.cpp
    model/field_types_test.cpp
    model/model_parser_test.cpp
    model/patch_validator_test.cpp
    model/record_test.cpp
    model/search_terms_test.cpp
    model/projection_test.cpp
    model/changes_test.cpp
    model/custom_field_test.cpp
    model/builtin_models_test.cpp
    model/json_text_test.cpp
    model/collections_test.cpp
    model/hot_path_allocations_test.cpp
    common/allocation_counter.cpp
  LIBS contactsd_model)
target_include_directories(contactsd_model_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
