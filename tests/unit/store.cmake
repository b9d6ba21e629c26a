contactsd_unit_test(contactsd_store_tests
  SOURCES
    store/temp_dir.cpp
    store/store_contract_test.cpp
    store/unlock_contract_test.cpp
    store/change_log_contract_test.cpp
    store/batch_contract_test.cpp
    store/custom_field_check_contract_test.cpp
    store/webhook_contract_test.cpp
    store/prefix_range_test.cpp
    store/search_contract_test.cpp
    store/sql_catalogue_test.cpp
    store/sqlite_store_test.cpp
    store/sqlite_event_chain_test.cpp
    store/group_commit_writer_test.cpp
    store/open_store_test.cpp
    store/pg_test_schema.cpp
    store/postgres_failure_test.cpp
    store/postgres_store_test.cpp
    store/postgres_url_test.cpp
  LIBS contactsd_store)
target_compile_definitions(contactsd_store_tests PRIVATE
  CONTACTSD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# Each backend's own tests name that backend's Connection, Query and helpers without a prefix
# (using-declarations in one namespace): they compile as units of their own.
set_source_files_properties(store/postgres_store_test.cpp PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
