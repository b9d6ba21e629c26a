contactsd_unit_test(contactsd_http_tests
  SOURCES
    http/access_log_test.cpp
    http/cors_test.cpp
    http/dispatch_test.cpp
    http/error_render_test.cpp
    http/head_checks_test.cpp
    http/http_date_test.cpp
    http/outbound_client_test.cpp
    http/request_id_test.cpp
    http/response_head_test.cpp
    http/router_test.cpp
    http/server_test.cpp
    http/target_test.cpp
    common/allocation_counter.cpp
  LIBS contactsd_http)
target_include_directories(contactsd_http_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
