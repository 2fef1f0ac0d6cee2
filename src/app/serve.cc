#include "barrage/app/commands.h"
#include "barrage/gate/exit_code.h"
#include "barrage/serve/server.h"

namespace barrage::app {

int serve_command(const plan::ServePlan& plan) {
    auto status = serve::run_server(plan);
    return status.ok() ? gate::exit_ok : fail(status.error().message, gate::exit_run_failed);
}

}  // namespace barrage::app
