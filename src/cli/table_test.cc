#include "cli/table.h"

#include <gtest/gtest.h>

namespace easel::cli {
namespace {

TEST(TableTest, AlignsColumnsUnderUpperCaseHeaders) {
  Table t({{"name"}, {"role"}, {"created"}});
  t.AddRow({"alpha", "owner", "2026-01-01T00:00:00Z"});
  t.AddRow({"b", "viewer", "2026-01-02T00:00:00Z"});
  EXPECT_EQ(t.Render(),
            "NAME    ROLE     CREATED\n"
            "alpha   owner    2026-01-01T00:00:00Z\n"
            "b       viewer   2026-01-02T00:00:00Z\n");
}

TEST(TableTest, NoTrailingSpacesAndMissingCellsAreBlank) {
  Table t({{"a"}, {"b"}});
  t.AddRow({"x"});
  t.AddRow({"long-value", ""});
  EXPECT_EQ(t.Render(),
            "A            B\n"
            "x\n"
            "long-value\n");
}

TEST(TableTest, TruncatesOnlyColumnsWithAMaximum) {
  Table t({{"id"}, {"description", 10}});
  t.AddRow({"0123456789abcdef", "a rather long description"});
  EXPECT_EQ(t.Render(),
            "ID                 DESCRIPTION\n"
            "0123456789abcdef   a rathe...\n");
}

TEST(TableTest, ControlCharactersCannotBreakTheLayout) {
  Table t({{"name"}, {"x"}});
  t.AddRow({"two\nlines", "y"});
  EXPECT_EQ(t.Render(),
            "NAME        X\n"
            "two lines   y\n");
}

TEST(TableTest, AlignsMultiByteText) {
  Table t({{"name"}, {"x"}});
  t.AddRow({"café", "1"});
  t.AddRow({"abcde", "2"});
  EXPECT_EQ(t.Render(),
            "NAME    X\n"
            "café    1\n"
            "abcde   2\n");
}

TEST(TruncateTest, CutsAtCodePointsWithAnEllipsis) {
  EXPECT_EQ(Truncate("short", 10), "short");
  EXPECT_EQ(Truncate("exactly10!", 10), "exactly10!");
  EXPECT_EQ(Truncate("exactly11!!", 10), "exactly...");
  EXPECT_EQ(Truncate("ééééééé", 5), "éé...");
  EXPECT_EQ(Truncate("anything", 0), "anything");
}

TEST(CellTextTest, ShowsJsonValuesReadably) {
  EXPECT_EQ(CellText(Json()), "-");
  EXPECT_EQ(CellText(Json("")), "-");
  EXPECT_EQ(CellText(Json("2026-11-23T02:03:00.123Z")), "2026-11-23T02:03:00.123Z");
  EXPECT_EQ(CellText(Json(true)), "yes");
  EXPECT_EQ(CellText(Json(false)), "no");
  EXPECT_EQ(CellText(Json(42)), "42");
  EXPECT_EQ(CellText(Json(0.5)), "0.5");
  EXPECT_EQ(CellText(Json{{"a", 1}}), R"({"a":1})");
}

TEST(RenderFieldsTest, AlignsValuesAfterTheLongestName) {
  EXPECT_EQ(RenderFields({{"Name", "demo"}, {"Description", ""}, {"Id", "p1"}}),
            "Name:         demo\n"
            "Description:  -\n"
            "Id:           p1\n");
}

TEST(PrettyJsonTest, IsIndentedSortedAndEndsInNewline) {
  Json j = {{"b", 1}, {"a", {{"d", 2}, {"c", 3}}}};
  EXPECT_EQ(PrettyJson(j), "{\n  \"a\": {\n    \"c\": 3,\n    \"d\": 2\n  },\n  \"b\": 1\n}\n");
}

}  // namespace
}  // namespace easel::cli
