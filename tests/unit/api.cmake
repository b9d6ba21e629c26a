contactsd_unit_test(contactsd_api_tests
  SOURCES
    api/feed_waiters_test.cpp
    api/import_formats_test.cpp
    api/rate_limits_test.cpp
    store/temp_dir.cpp
  LIBS contactsd_api)
target_include_directories(contactsd_api_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
