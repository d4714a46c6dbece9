// restock: keeps an online store in stock by itself. See docs/architecture.md.
#include <string>
#include <vector>

#include "main/cli.h"

int main(int argc, char** argv) {
    return restock::run_cli(std::vector<std::string>(argv + 1, argv + argc));
}
