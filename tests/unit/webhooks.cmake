contactsd_unit_test(contactsd_webhooks_tests
  SOURCES
    webhooks/endpoint_probing_test.cpp
    webhooks/endpoint_stream_test.cpp
    webhooks/retry_schedule_test.cpp
    webhooks/signature_test.cpp
  LIBS contactsd_webhooks)
