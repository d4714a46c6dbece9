// restock: keeps an online store in stock by itself. See docs/architecture.md.
#include <string>
#include <vector>

#include "main/child_process.h"
#include "main/cli.h"

int main(int argc, char** argv) {
    restock::exit_with_parent_if_asked();
    return restock::run_cli(std::vector<std::string>(argv + 1, argv + argc));
}
