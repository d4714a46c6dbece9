# GoogleTest executables, one per layer, mirroring src/. Included from tests/CMakeLists.txt.
#   label "unit":        pure code and the engine over in-memory fakes; microseconds per test
#   label "integration": a real SQLite file in a temporary directory
find_package(GTest REQUIRED)
include(GoogleTest)

set(RESTOCK_TESTS_DIR ${CMAKE_CURRENT_LIST_DIR})

# restock_add_gtest(<name> LABEL <label> SOURCES <files...> LIBRARIES <targets...>)
function(restock_add_gtest name)
  cmake_parse_arguments(ARG "" "LABEL" "SOURCES;LIBRARIES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  # Test helpers are included as "app/fake_stock_store.h" etc., next to the src/ headers.
  target_include_directories(${name} PRIVATE ${RESTOCK_TESTS_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_LIBRARIES} GTest::gtest GTest::gtest_main
                                        Threads::Threads)
  gtest_discover_tests(${name}
    PROPERTIES LABELS ${ARG_LABEL} TIMEOUT 60
    DISCOVERY_TIMEOUT 30)
endfunction()

restock_add_gtest(restock_core_tests LABEL unit
  SOURCES
    ${RESTOCK_TESTS_DIR}/core/ascii_test.cpp
    ${RESTOCK_TESTS_DIR}/core/names_test.cpp
    ${RESTOCK_TESTS_DIR}/core/alarm_test.cpp
    ${RESTOCK_TESTS_DIR}/core/requests_test.cpp
    ${RESTOCK_TESTS_DIR}/core/stock_rules_test.cpp
    ${RESTOCK_TESTS_DIR}/core/queue_book_test.cpp
    ${RESTOCK_TESTS_DIR}/core/restock_order_test.cpp
    ${RESTOCK_TESTS_DIR}/core/subscription_test.cpp
    ${RESTOCK_TESTS_DIR}/core/text_rules_regression_test.cpp
    ${RESTOCK_TESTS_DIR}/core/checkout_index_test.cpp
    ${RESTOCK_TESTS_DIR}/core/demand_forecast_test.cpp
    ${RESTOCK_TESTS_DIR}/core/lead_time_test.cpp
    ${RESTOCK_TESTS_DIR}/core/replenishment_policy_test.cpp
  LIBRARIES restock_core)

restock_add_gtest(restock_json_tests LABEL unit
  SOURCES
    ${RESTOCK_TESTS_DIR}/json/parser_test.cpp
    ${RESTOCK_TESTS_DIR}/json/writer_test.cpp
  LIBRARIES restock_json)

restock_add_gtest(restock_support_tests LABEL unit
  SOURCES
    ${RESTOCK_TESTS_DIR}/support/support_test.cpp
  LIBRARIES restock_support)

restock_add_gtest(restock_app_tests LABEL unit
  SOURCES
    ${RESTOCK_TESTS_DIR}/app/fake_stock_store.cpp
    ${RESTOCK_TESTS_DIR}/app/fault_injecting_store.cpp
    ${RESTOCK_TESTS_DIR}/app/engine_test_support.cpp
    ${RESTOCK_TESTS_DIR}/app/stock_engine_test.cpp
    ${RESTOCK_TESTS_DIR}/app/stock_engine_batch_test.cpp
    ${RESTOCK_TESTS_DIR}/app/stock_engine_faults_test.cpp
    ${RESTOCK_TESTS_DIR}/app/stepped_engine_test.cpp
    ${RESTOCK_TESTS_DIR}/app/authenticator_test.cpp
    ${RESTOCK_TESTS_DIR}/app/engine_loop_test.cpp
    ${RESTOCK_TESTS_DIR}/app/replenishment_test.cpp
    ${RESTOCK_TESTS_DIR}/app/functions_test.cpp
    ${RESTOCK_TESTS_DIR}/app/engine_client_test.cpp
    ${RESTOCK_TESTS_DIR}/app/signing_test.cpp
    ${RESTOCK_TESTS_DIR}/app/durable_acks_test.cpp
    ${RESTOCK_TESTS_DIR}/app/commit_gathering_test.cpp
    ${RESTOCK_TESTS_DIR}/app/fake_store_contract_test.cpp
    ${RESTOCK_TESTS_DIR}/app/reservations_test.cpp
    ${RESTOCK_TESTS_DIR}/app/releases_test.cpp
    ${RESTOCK_TESTS_DIR}/app/catalog_test.cpp
    ${RESTOCK_TESTS_DIR}/ports/stock_store_contract.cpp
  # OpenSSL: signing_test computes HMACs independently of restock_support.
  LIBRARIES restock_app OpenSSL::Crypto)

# The router lives in restock_http (with the server); only router.o is pulled in.
restock_add_gtest(restock_http_mapping_tests LABEL unit
  SOURCES
    ${RESTOCK_TESTS_DIR}/adapters/http/request_mapping_test.cpp
    ${RESTOCK_TESTS_DIR}/adapters/http/response_mapping_test.cpp
    ${RESTOCK_TESTS_DIR}/adapters/http/router_test.cpp
    ${RESTOCK_TESTS_DIR}/adapters/http/query_mapping_test.cpp
    ${RESTOCK_TESTS_DIR}/adapters/http/metrics_text_test.cpp
    ${RESTOCK_TESTS_DIR}/adapters/http/loop_mapping_test.cpp
    ${RESTOCK_TESTS_DIR}/adapters/http/command_codec_test.cpp
    ${RESTOCK_TESTS_DIR}/adapters/http/openapi_router_test.cpp
    ${RESTOCK_TESTS_DIR}/adapters/http/static_assets_test.cpp
  LIBRARIES restock_http_mapping restock_http)
# openapi_router_test reads the document from the source tree, as it is committed.
target_compile_definitions(restock_http_mapping_tests PRIVATE
  RESTOCK_OPENAPI_JSON="${PROJECT_SOURCE_DIR}/docs/openapi.json")

# The command line's pure parts (src/main is the executable's own code: its pure files are
# compiled in here).
restock_add_gtest(restock_main_tests LABEL unit
  SOURCES
    ${RESTOCK_TESTS_DIR}/main/cli_support_test.cpp
    ${RESTOCK_TESTS_DIR}/main/demo_status_test.cpp
    ${RESTOCK_TESTS_DIR}/main/simulate_input_test.cpp
    ${RESTOCK_TESTS_DIR}/main/lead_time_sampler_test.cpp
    ${RESTOCK_TESTS_DIR}/main/sim_report_test.cpp
    ${PROJECT_SOURCE_DIR}/src/main/cli_support.cpp
    ${PROJECT_SOURCE_DIR}/src/main/demo_status.cpp
    ${PROJECT_SOURCE_DIR}/src/main/simulate_input.cpp
    ${PROJECT_SOURCE_DIR}/src/main/lead_time_sampler.cpp
    ${PROJECT_SOURCE_DIR}/src/main/sim_report.cpp
    ${RESTOCK_TESTS_DIR}/main/write_behind_store_test.cpp
    ${RESTOCK_TESTS_DIR}/app/fake_stock_store.cpp
    ${PROJECT_SOURCE_DIR}/src/main/write_behind_store.cpp
  LIBRARIES restock_json restock_support restock_core)

# The HTTP server's event loop on real sockets and threads.
restock_add_gtest(restock_http_io_tests LABEL integration
  SOURCES ${RESTOCK_TESTS_DIR}/adapters/http/event_loop_test.cpp
  LIBRARIES restock_http)

# Real SQLite files: named *_dbtest.cpp and labelled apart (style.md: userver's *_pgtest).
restock_add_gtest(restock_sqlite_tests LABEL integration
  SOURCES
    ${RESTOCK_TESTS_DIR}/app/fault_injecting_store.cpp
    ${RESTOCK_TESTS_DIR}/app/engine_test_support.cpp
    ${RESTOCK_TESTS_DIR}/adapters/sqlite/temp_dir.cpp
    ${RESTOCK_TESTS_DIR}/adapters/sqlite/sqlite_store_dbtest.cpp
    ${RESTOCK_TESTS_DIR}/adapters/sqlite/sqlite_reader_dbtest.cpp
    ${RESTOCK_TESTS_DIR}/adapters/sqlite/sqlite_engine_dbtest.cpp
    ${RESTOCK_TESTS_DIR}/adapters/sqlite/queue_loop_dbtest.cpp
    ${RESTOCK_TESTS_DIR}/adapters/sqlite/checkpointer_dbtest.cpp
    ${RESTOCK_TESTS_DIR}/adapters/sqlite/data_dir_lock_dbtest.cpp
    ${RESTOCK_TESTS_DIR}/adapters/sqlite/sqlite_store_contract_dbtest.cpp
    ${RESTOCK_TESTS_DIR}/ports/stock_store_contract.cpp
  LIBRARIES restock_sqlite restock_app)

# A real PostgreSQL 15: each binary starts a throwaway cluster of its own (pg_test_cluster.h,
# through tests/blackbox/pg_cluster.py) and gives each test a fresh database. Named *_pgtest.cpp
# and labelled apart (style.md: userver's *_pgtest).
find_program(RESTOCK_PYTHON3_FOR_PG python3 PATHS /usr/bin NO_DEFAULT_PATH REQUIRED)
restock_add_gtest(restock_postgres_tests LABEL postgres
  SOURCES
    ${RESTOCK_TESTS_DIR}/adapters/postgres/pg_test_cluster.cpp
    ${RESTOCK_TESTS_DIR}/adapters/postgres/pg_store_contract_pgtest.cpp
    ${RESTOCK_TESTS_DIR}/adapters/postgres/pg_store_pgtest.cpp
    ${RESTOCK_TESTS_DIR}/app/engine_test_support.cpp
    ${RESTOCK_TESTS_DIR}/ports/stock_store_contract.cpp
  LIBRARIES restock_postgres restock_app)
target_compile_definitions(restock_postgres_tests PRIVATE
  RESTOCK_PYTHON3="${RESTOCK_PYTHON3_FOR_PG}"
  RESTOCK_PG_CLUSTER_SCRIPT="${RESTOCK_TESTS_DIR}/blackbox/pg_cluster.py")

# The cluster adapter's HTTP client, against scripted peers on loopback.
restock_add_gtest(restock_cluster_tests LABEL integration
  SOURCES ${RESTOCK_TESTS_DIR}/adapters/cluster/node_client_test.cpp
  LIBRARIES restock_cluster)
