# Tests for the curl adapter (restock_curl) and the factory simulator (restock_factory_sim).
# Included from tests/CMakeLists.txt after unit_tests.cmake (uses restock_add_gtest).
#   label "unit":        pure code and the callback worker over a scripted fake client
#   label "integration": real sockets on loopback (port 0): curl, the simulator, SMTP

restock_add_gtest(restock_curl_unit_tests LABEL unit
  SOURCES
    ${RESTOCK_TESTS_DIR}/adapters/curl/url_redaction_test.cpp
    ${RESTOCK_TESTS_DIR}/adapters/curl/mail_format_test.cpp
  LIBRARIES restock_curl)

restock_add_gtest(restock_factory_sim_unit_tests LABEL unit
  SOURCES
    ${RESTOCK_TESTS_DIR}/factory_sim/legacy_order_test.cpp
    ${RESTOCK_TESTS_DIR}/factory_sim/sim_settings_test.cpp
    ${RESTOCK_TESTS_DIR}/factory_sim/sim_cli_test.cpp
    ${RESTOCK_TESTS_DIR}/factory_sim/callback_dispatcher_test.cpp
  LIBRARIES restock_factory_sim)

# Loopback servers shared by the integration tests below.
add_library(restock_test_servers STATIC
  ${RESTOCK_TESTS_DIR}/adapters/curl/test_http_receiver.cpp
  ${RESTOCK_TESTS_DIR}/adapters/curl/fake_smtp_server.cpp)
target_include_directories(restock_test_servers PUBLIC ${RESTOCK_TESTS_DIR})
target_link_libraries(restock_test_servers PUBLIC Boost::headers Threads::Threads)
target_compile_definitions(restock_test_servers PUBLIC
  BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)

restock_add_gtest(restock_curl_tests LABEL integration
  SOURCES
    ${RESTOCK_TESTS_DIR}/adapters/curl/curl_http_client_test.cpp
    ${RESTOCK_TESTS_DIR}/adapters/curl/curl_mailer_test.cpp
  LIBRARIES restock_curl restock_factory_sim restock_test_servers)

restock_add_gtest(restock_factory_sim_tests LABEL integration
  SOURCES
    ${RESTOCK_TESTS_DIR}/factory_sim/factory_sim_test.cpp
  LIBRARIES restock_factory_sim restock_test_servers)
