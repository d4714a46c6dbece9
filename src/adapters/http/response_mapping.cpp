#include "adapters/http/response_mapping.h"

#include "adapters/http/problem.h"
#include "support/time_format.h"

namespace restock::http {

void write_product(json::Writer& w, const Product& p) {
    w.begin_object()
        .key("sku")
        .value(p.sku)
        .key("name")
        .value(p.name)
        .key("on_hand")
        .value(p.on_hand)
        .key("reserved")
        .value(p.reserved)
        .key("available")
        .value(p.available())
        .key("on_order")
        .value(p.on_order)
        .key("reorder_point")
        .value(p.settings.reorder_point)
        .key("reorder_qty")
        .value(p.settings.reorder_qty);
    w.key("order_up_to");
    if (p.settings.order_up_to) {
        w.value(*p.settings.order_up_to);
    } else {
        w.null();
    }
    w.key("min_order_qty")
        .value(p.settings.min_order_qty)
        .key("pack_size")
        .value(p.settings.pack_size)
        .key("factory_id")
        .value(p.settings.factory_id);
    w.key("ad_id");
    if (p.settings.ad_id) {
        w.value(*p.settings.ad_id);
    } else {
        w.null();
    }
    w.key("status")
        .value(to_string(status_of(p)))
        .key("created_at")
        .value(format_rfc3339(p.created_at_ms))
        .key("updated_at")
        .value(format_rfc3339(p.updated_at_ms))
        .end_object();
}

void write_movement(json::Writer& w, const Movement& m, std::string_view sku) {
    w.begin_object()
        .key("id")
        .value(m.id)
        .key("sku")
        .value(sku)
        .key("kind")
        .value(to_string(m.kind))
        .key("delta")
        .value(m.delta)
        .key("on_hand_after")
        .value(m.on_hand_after)
        .key("reference")
        .value(m.reference)
        .key("at")
        .value(format_rfc3339(m.at_ms))
        .end_object();
}

void write_event(json::Writer& w, const Event& e) {
    w.begin_object()
        .key("seq")
        .value(e.seq)
        .key("id")
        .value(e.id)
        .key("type")
        .value(to_string(e.type))
        .key("sku")
        .value(e.sku)
        .key("cause")
        .value(e.cause)
        .key("data")
        .begin_object()
        .key("on_hand")
        .value(e.figures.on_hand)
        .key("reserved")
        .value(e.figures.reserved)
        .key("available")
        .value(e.figures.available)
        .key("on_order")
        .value(e.figures.on_order)
        .key("position")
        .value(e.figures.position)
        .key("reorder_point")
        .value(e.figures.reorder_point)
        .end_object()
        .key("at")
        .value(format_rfc3339(e.at_ms))
        .end_object();
}

std::string product_json(const Product& product) {
    std::string body;
    json::Writer w(body);
    write_product(w, product);
    return body;
}

Reply problem_reply(const Error& error, std::string_view instance, std::string_view request_id) {
    const int status = status_for(error.code);
    return Reply{status, std::string(kProblemContentType),
                 problem_body(status, error.slug, error.message, instance, request_id), "", false};
}

namespace {

struct OutcomeReplier {
    std::string_view instance;
    std::string_view request_id;

    Reply operator()(const Error& error) const {
        return problem_reply(error, instance, request_id);
    }

    Reply operator()(const ProductOutcome& o) const {
        Reply reply{o.created ? 201 : 200, "application/json", product_json(o.product), "", false};
        if (o.created) reply.location = "/v1/products/" + o.product.sku;
        return reply;
    }

    Reply operator()(const CheckoutOutcome& o) const {
        std::string body;
        json::Writer w(body);
        w.begin_object().key("order_id").value(o.order_id).key("status").value("accepted");
        w.key("lines").begin_array();
        for (const auto& line : o.lines) {
            w.begin_object()
                .key("sku")
                .value(line.sku)
                .key("qty")
                .value(line.qty)
                .key("movement_id")
                .value(line.movement_id)
                .key("available")
                .value(line.available)
                .end_object();
        }
        w.end_array().key("at").value(format_rfc3339(o.at_ms)).end_object();
        return Reply{200, "application/json", std::move(body), "", false};
    }

    Reply operator()(const CheckoutRefused& o) const {
        std::string lines = ",\"order_id\":";
        json::append_quoted(lines, o.order_id);
        lines += ",\"lines\":";
        json::Writer w(lines);
        w.begin_array();
        for (const auto& s : o.shortfalls) {
            w.begin_object()
                .key("sku")
                .value(s.sku)
                .key("requested")
                .value(s.requested)
                .key("available")
                .value(s.available)
                .end_object();
        }
        w.end_array();
        std::string detail = "not enough stock for " + std::to_string(o.shortfalls.size()) +
                             " line(s); nothing was taken";
        return Reply{409, std::string(kProblemContentType),
                     problem_body(409, "insufficient-stock", detail, instance, request_id, lines),
                     "", false};
    }

    Reply operator()(const MovementOutcome& o) const {
        std::string body;
        json::Writer w(body);
        w.begin_object().key("movement");
        write_movement(w, o.movement, o.product.sku);
        w.key("product");
        write_product(w, o.product);
        w.key("replayed").value(o.replayed).end_object();
        return Reply{o.replayed ? 200 : 201, "application/json", std::move(body), "", false};
    }

    Reply operator()(const StoredResponse& o) const {
        const bool problem = o.status >= 400;
        return Reply{
            o.status,
            std::string(problem ? kProblemContentType : std::string_view("application/json")),
            o.body, "", true};
    }
};

}  // namespace

Reply reply_for(const Outcome& outcome, std::string_view instance, std::string_view request_id) {
    return std::visit(OutcomeReplier{instance, request_id}, outcome);
}

}  // namespace restock::http
