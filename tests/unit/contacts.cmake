contactsd_unit_test(contactsd_contacts_tests
  SOURCES contacts/cursor_test.cpp
  LIBS contactsd_contacts)
