# What `make install` and `make package` put on a machine (docs/install.md): the server, its
# docs, its systemd unit and the user the unit runs as. Nothing else has install rules, so the
# unit tests, the fuzz targets and the static libraries are never installed.
include(GNUInstallDirs)

# cpack and the install target build nothing themselves (by default they would build `all`,
# the unit tests included): the Makefile's install and package build the server first.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

set(CMAKE_INSTALL_DEFAULT_COMPONENT_NAME contactsd)
install(TARGETS contactsd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The README and docs/ keep their layout, so the README's links to docs/*.md still work.
install(FILES README.md LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md")
# The binary embeds swagger-ui-dist (src/api/CMakeLists.txt), Apache-2.0 with a NOTICE: both go
# along, with the licenses of what its bundle holds.
set(swagger_dist ${PROJECT_BINARY_DIR}/src/api/docs_ui/node_modules/swagger-ui-dist)
install(FILES ${swagger_dist}/LICENSE ${swagger_dist}/NOTICE
              ${swagger_dist}/swagger-ui-bundle.js.LICENSE.txt
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/swagger-ui-dist)

# The unit names the installed binary, so it is written when installing, for the prefix of that
# install: `cmake --install --prefix P` and cpack (which installs for /usr) each get their own.
# Under lib/ and not the multiarch libdir: systemd looks in /usr/lib and /usr/local/lib.
set(contactsd_unit ${PROJECT_BINARY_DIR}/packaging/contactsd.service)
install(CODE "
  set(BINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  set(DOCDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}\")
  configure_file(${PROJECT_SOURCE_DIR}/packaging/contactsd.service.in ${contactsd_unit} @ONLY)
")
install(FILES ${contactsd_unit} DESTINATION lib/systemd/system)
install(FILES packaging/contactsd.sysusers DESTINATION lib/sysusers.d RENAME contactsd.conf)

# /etc/default/contactsd belongs to the package only (as a conffile): an install into a prefix
# must not write to /etc. EXCLUDE_FROM_ALL keeps it out of `cmake --install`; cpack asks for
# its component by name below.
install(FILES packaging/contactsd.default DESTINATION /etc/default RENAME contactsd
        COMPONENT debian EXCLUDE_FROM_ALL)
install(FILES packaging/debian/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR}
        COMPONENT debian EXCLUDE_FROM_ALL)

# The Debian package: `make package` → build/contactsd_<version>_<arch>.deb.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME contactsd)
set(CPACK_PACKAGE_VENDOR contactsd)
set(CPACK_PACKAGE_CONTACT "contactsd <dev@contactsd.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "self-hosted, multi-tenant contacts API server")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "contactsd serves a contacts API over HTTP/JSON, its contract declared by a\n"
    "contact model. It stores contacts in SQLite or PostgreSQL, keeps a change log\n"
    "with a feed and webhooks, and imports and exports NDJSON and CSV.\n"
    "The package installs a systemd unit, not enabled.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
# Installed for /usr through DESTDIR (whatever CMAKE_INSTALL_PREFIX the build has): the absolute
# /etc/default lands in the package's tree, and the unit is written for /usr/bin.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # the debug info stays in build/contactsd
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_COMPONENTS_ALL contactsd debian)
set(CPACK_DEBIAN_PACKAGE_NAME contactsd)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: the libraries the binary links, as dpkg-shlibdeps (dpkg-dev) finds them.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# and passwd: useradd makes the user in postinst where systemd-sysusers is missing.
set(CPACK_DEBIAN_PACKAGE_DEPENDS passwd)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS ca-certificates)  # webhooks to https:// receivers
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
