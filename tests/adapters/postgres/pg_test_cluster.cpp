#include "adapters/postgres/pg_test_cluster.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <spawn.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <stdexcept>

extern char** environ;

namespace restock::testing {
namespace {

std::string must_query(const std::string& url, const std::string& sql) {
    PGconn* conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        std::string error = PQerrorMessage(conn);
        PQfinish(conn);
        throw std::runtime_error("cannot connect to the test cluster: " + error);
    }
    PGresult* result = PQexec(conn, sql.c_str());
    const ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        std::string error = PQresultErrorMessage(result);
        PQclear(result);
        PQfinish(conn);
        throw std::runtime_error(sql + ": " + error);
    }
    std::string value;
    if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) value = PQgetvalue(result, 0, 0);
    PQclear(result);
    PQfinish(conn);
    return value;
}

}  // namespace

PgTestCluster& PgTestCluster::get() {
    static PgTestCluster cluster;
    return cluster;
}

PgTestCluster::PgTestCluster() {
    int to_helper[2];
    int from_helper[2];
    if (::pipe(to_helper) != 0 || ::pipe(from_helper) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_helper[0], 0);
    posix_spawn_file_actions_adddup2(&actions, from_helper[1], 1);
    posix_spawn_file_actions_addclose(&actions, to_helper[1]);
    posix_spawn_file_actions_addclose(&actions, from_helper[0]);
    const char* argv[] = {RESTOCK_PYTHON3, RESTOCK_PG_CLUSTER_SCRIPT, "hold", nullptr};
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, RESTOCK_PYTHON3, &actions, nullptr,
                                    const_cast<char* const*>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(to_helper[0]);
    ::close(from_helper[1]);
    if (spawned != 0) throw std::runtime_error("cannot start " RESTOCK_PG_CLUSTER_SCRIPT);
    helper_stdin_ = to_helper[1];  // closed only when this process exits
    std::string line;
    char c = 0;
    while (::read(from_helper[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(from_helper[0]);
    if (line.rfind("postgresql://", 0) != 0) {
        throw std::runtime_error("the PostgreSQL test cluster did not start (see stderr)");
    }
    admin_url_ = line;
}

std::string PgTestCluster::url_of(const std::string& database) const {
    return admin_url_.substr(0, admin_url_.rfind('/') + 1) + database;
}

std::string PgTestCluster::create_database() {
    static std::atomic<int> counter{0};
    const std::string name =
        "t" + std::to_string(::getpid()) + "_" + std::to_string(counter.fetch_add(1));
    must_query(admin_url_, "CREATE DATABASE " + name);
    return url_of(name);
}

std::string PgTestCluster::query(const std::string& database, const std::string& sql) const {
    return must_query(url_of(database), sql);
}

}  // namespace restock::testing
