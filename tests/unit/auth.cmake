contactsd_unit_test(contactsd_auth_tests
  SOURCES auth/api_key_test.cpp
  LIBS contactsd_auth)
