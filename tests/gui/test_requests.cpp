// tests/gui/test_requests.cpp — the app's one place that changes the session: panels push requests and
// applyRequests carries them out, in order, logging what fails. No window: the requests need none.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "app/gui/app_state.h"
#include "app/gui/requests.h"

namespace aotviz::gui {
namespace {

size_t errorsMentioning(const AppState& s, const std::string& text) {
  return static_cast<size_t>(std::count_if(s.log.begin(), s.log.end(), [&](const LogLine& l) {
    return l.level == LogLevel::Error && l.text.find(text) != std::string::npos;
  }));
}

void apply(AppState& s, Request r) {
  s.request(std::move(r));
  applyRequests(s);
  EXPECT_TRUE(s.requests.empty());
  s.session->wait();
}

TEST(GuiRequests, StepRunToWhatIfUndoRedoAndBreakpointsActOnTheSession) {
  AppState s;
  openModel(s, "mlp");
  ASSERT_TRUE(s.session);
  apply(s, request::Step{});
  EXPECT_EQ(s.session->snapshots().size(), 1u);
  apply(s, request::RunTo{pipeline::StageId::Partition});
  EXPECT_EQ(s.session->nextStage(), pipeline::index(pipeline::StageId::Partition) + 1);

  pipeline::Config c = s.session->config();
  c.memory_budget = 0.25;
  apply(s, request::WhatIf{c});
  EXPECT_DOUBLE_EQ(s.session->config().memory_budget, 0.25);
  EXPECT_EQ(s.session->nextStage(), pipeline::index(pipeline::StageId::Partition) + 1);  // re-ran to where it was
  ASSERT_EQ(s.partition_panel.undo.size(), 1u);
  EXPECT_DOUBLE_EQ(s.partition_panel.undo.back().memory_budget, 1.0);
  EXPECT_TRUE(s.partition_panel.redo.empty());

  apply(s, request::Undo{});
  EXPECT_DOUBLE_EQ(s.session->config().memory_budget, 1.0);
  EXPECT_TRUE(s.partition_panel.undo.empty());
  ASSERT_EQ(s.partition_panel.redo.size(), 1u);
  apply(s, request::Redo{});
  EXPECT_DOUBLE_EQ(s.session->config().memory_budget, 0.25);
  EXPECT_EQ(s.partition_panel.undo.size(), 1u);
  apply(s, request::Redo{});  // nothing left to redo: nothing happens
  EXPECT_DOUBLE_EQ(s.session->config().memory_budget, 0.25);

  apply(s, request::Breakpoint{pipeline::StageId::Compile, true});
  EXPECT_EQ(s.session->breakpoints().count("compile"), 1u);
  apply(s, request::Restart{});
  EXPECT_TRUE(s.session->snapshots().empty());
  EXPECT_DOUBLE_EQ(s.session->config().memory_budget, 0.25);  // Restart keeps the config
  EXPECT_EQ(errorsMentioning(s, ""), 0u);
}

TEST(GuiRequests, AFailingRequestIsLoggedAndTheRestStillRun) {
  AppState s;
  openModel(s, "mlp");
  s.request(request::Open{"/nonexistent/session.json", ""});
  s.request(request::Select{"no_such_node", true});
  s.request(request::Step{});
  applyRequests(s);
  s.session->wait();
  EXPECT_EQ(s.model, "mlp");  // the open failed: the session is the one before
  EXPECT_EQ(s.session->snapshots().size(), 1u);
  EXPECT_EQ(errorsMentioning(s, "/nonexistent/session.json"), 1u);
  EXPECT_EQ(errorsMentioning(s, "no node named 'no_such_node'"), 1u);
  EXPECT_TRUE(s.dialogs.recent.empty());  // only what opened goes to File > Recent

  s.request(request::Open{"attn_block", ""});
  s.request(request::Quit{});
  applyRequests(s);
  EXPECT_EQ(s.model, "attn_block");
  EXPECT_TRUE(s.session->snapshots().empty());  // a new session, paused before its first stage
  ASSERT_EQ(s.dialogs.recent.size(), 1u);
  EXPECT_EQ(s.dialogs.recent.front(), "attn_block");
  EXPECT_TRUE(s.quit_requested);
}

}  // namespace
}  // namespace aotviz::gui
