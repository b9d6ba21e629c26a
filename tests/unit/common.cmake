contactsd_unit_test(contactsd_common_tests
  SOURCES common/crypto_test.cpp common/time_test.cpp common/uuid_test.cpp
  LIBS contactsd_common)
