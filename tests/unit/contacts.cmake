contactsd_unit_test(contactsd_contacts_tests
  SOURCES
    contacts/cursor_test.cpp
    contacts/list_filters_test.cpp
    contacts/change_prior_test.cpp
    contacts/pruner_test.cpp
    contacts/catalogue_service_test.cpp
    contacts/webhook_rules_test.cpp
    store/temp_dir.cpp
  LIBS contactsd_contacts)
target_include_directories(contactsd_contacts_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
