contactsd_unit_test(contactsd_common_tests
  SOURCES
    common/address_policy_test.cpp
    common/crypto_test.cpp
    common/metric_cells_test.cpp
    common/outbound_url_test.cpp
    common/log_line_test.cpp
    common/log_sink_test.cpp
    common/secret_box_test.cpp
    common/time_test.cpp
    common/uuid_test.cpp
    store/temp_dir.cpp
  # spdlog: the log's tests make plain spdlog calls, as code that predates common/log.hpp does.
  LIBS contactsd_common spdlog::spdlog)
target_include_directories(contactsd_common_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
