// stock-increase: stock-receipts -> the ledger. Books a shipment as a receipt once per
// (order, shipment), updates the order, and settles the message in the same commit.
#pragma once

#include "app/functions/function_runner.h"

namespace restock {

Handler make_stock_increase(CommandSink& engine);

}  // namespace restock
