// The PostgreSQL cluster of one *_pgtest binary: started on first use by the Python helper the
// black-box tests use (tests/blackbox/pg_cluster.py hold: initdb in a temporary directory, a
// free loopback port, fsync on), and removed when the binary exits (the helper's stdin closes).
// Each test asks for a fresh database.
#pragma once

#include <string>

namespace restock::testing {

class PgTestCluster {
  public:
    // The cluster of this process. Fails the calling test if it cannot start.
    static PgTestCluster& get();

    // A new empty database: its URL, superuser and password included.
    std::string create_database();
    // The superuser's URL of the maintenance database "postgres".
    const std::string& admin_url() const { return admin_url_; }
    // The same URL naming another database.
    std::string url_of(const std::string& database) const;
    // Runs SQL on a database as the superuser; the first column of the first row, or "".
    std::string query(const std::string& database, const std::string& sql) const;

  private:
    PgTestCluster();
    std::string admin_url_;
    int helper_stdin_ = -1;  // kept open for the life of the process
};

}  // namespace restock::testing
