# Installing and packaging (issue #18): `cmake --build build --target
# package` makes bootgate_<version>_amd64.deb with CPack. The installed
# layout mirrors the checkout under share/bootgate, so a scenario's relative
# paths (../images/reference/build.sh) and its sibling profiles/ resolve the
# same way; util/paths.h finds share/bootgate from the binary.
include(GNUInstallDirs)

install(TARGETS bootgate RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET bootgate-libvirt)
  # Beside no other library: a private plugin dir (cli/backends.cc looks in
  # <exe>/../lib/bootgate).
  install(TARGETS bootgate-libvirt LIBRARY DESTINATION lib/bootgate)
endif()

set(BOOTGATE_SHARE ${CMAKE_INSTALL_DATADIR}/bootgate)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios DESTINATION ${BOOTGATE_SHARE})
# Recipes keep their executable bits; built images never go in the package.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/images/ DESTINATION ${BOOTGATE_SHARE}/images
  USE_SOURCE_PERMISSIONS
  PATTERN ".cache" EXCLUDE
  PATTERN "*~" EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/dashboards DESTINATION ${BOOTGATE_SHARE})
# Documentation where Debian keeps it.
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
install(FILES ${PROJECT_SOURCE_DIR}/ci/packaging/bootgate.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME bootgate)

# The man page, generated from the built binary's --help texts.
find_program(HELP2MAN help2man)
if(HELP2MAN)
  set(man ${PROJECT_BINARY_DIR}/bootgate.1)
  add_custom_command(OUTPUT ${man}.gz
    COMMAND ${PROJECT_SOURCE_DIR}/ci/packaging/make-man.sh $<TARGET_FILE:bootgate> ${man}
    COMMAND gzip -9nf ${man}
    DEPENDS bootgate ${PROJECT_SOURCE_DIR}/ci/packaging/make-man.sh
      ${PROJECT_SOURCE_DIR}/ci/packaging/man-extra.h2m
    COMMENT "Generating the bootgate(1) man page with help2man"
    VERBATIM)
  add_custom_target(man ALL DEPENDS ${man}.gz)
  install(FILES ${man}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(WARNING "help2man not found (ci/install-deps.sh installs it): "
                  "no man page, and the package lacks it")
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME bootgate)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "bootgate")
set(CPACK_PACKAGE_CONTACT "bootgate maintainers <bootgate@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "image boot benchmark and conformance gate")
set(CPACK_PACKAGE_DESCRIPTION
  "bootgate boots OS images under QEMU (or libvirt), times boot-to-login from the serial console, logs in over SSH, samples RAM and disk, runs checks and judges budgets, with JSON, JUnit, Markdown, HTML and Prometheus reports and a history database.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # bootgate_<version>_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Libraries from dpkg-shlibdeps; the tools bootgate and the reference
# image's recipe run, by hand (keep in step with ci/install-deps.sh).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "qemu-system-x86, qemu-utils, xorriso, grub-pc-bin, grub-efi-amd64-bin, grub-common, mtools, cpio, gzip, busybox-static, dropbear-bin, e2fsprogs, fdisk, kmod, openssl, gcc, libc6-dev")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS
  "linux-image-cloud-amd64 | linux-image-amd64, ovmf, gnuplot-nox, lz4, openssh-sftp-server, bash-completion")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libvirt-daemon-system, prometheus, prometheus-pushgateway")
include(CPack)
