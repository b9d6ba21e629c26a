contactsd_unit_test(contactsd_auth_tests
  SOURCES auth/api_key_test.cpp auth/api_key_cache_test.cpp auth/jwt_verifier_test.cpp
  LIBS contactsd_auth PkgConfig::JWT)
