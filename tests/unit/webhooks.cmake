contactsd_unit_test(contactsd_webhooks_tests
  SOURCES
    webhooks/retry_schedule_test.cpp
    webhooks/signature_test.cpp
  LIBS contactsd_webhooks)
