// Tokenization of UTF-8 text, vocabularies and bag-of-words features.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "data/transforms/test_util.h"
#include "data/transforms/tokenizer.h"

namespace easel::data::transforms {
namespace {

using testing::Batch;
using ::testing::ElementsAre;
using testing::Fitted;
using ::testing::HasSubstr;
using testing::Records;
using testing::Spec;

constexpr auto kText = DatasetType::kTextClassification;

std::vector<std::string> Tokens(std::string_view text, bool lowercase = true) {
  std::vector<std::string> out;
  Tokenize(text, lowercase, &out);
  return out;
}

TEST(TokenizeTest, AsciiWordsAndPunctuation) {
  EXPECT_THAT(Tokens("Hello, World! It's 2024_01 -- ok?"),
              ElementsAre("hello", "world", "it", "s", "2024", "01", "ok"));
  EXPECT_THAT(Tokens("Keep CASE", false), ElementsAre("Keep", "CASE"));
  EXPECT_THAT(Tokens(" \t\n"), ElementsAre());
}

TEST(TokenizeTest, Utf8WordsStayWholeAndLowercase) {
  EXPECT_THAT(Tokens("Café DÉJÀ-vu"), ElementsAre("café", "déjà", "vu"));
  EXPECT_THAT(Tokens("ÀÖØÞ Łódź ŸES İ"), ElementsAre("àöøþ", "łódź", "ÿes", "i"));
  EXPECT_THAT(Tokens("ΑΘΗΝΑ Άλφα"), ElementsAre("αθηνα", "άλφα"));
  EXPECT_THAT(Tokens("Привет, МИР! Ёж"), ElementsAre("привет", "мир", "ёж"));
  EXPECT_THAT(Tokens("Tiếng Việt"), ElementsAre("tiếng", "việt"));
  // Scripts without case are kept as they are.
  EXPECT_THAT(Tokens("नमस्ते दुनिया"), ElementsAre("नमस्ते", "दुनिया"));
}

TEST(TokenizeTest, UnicodeSeparatorsCjkAndEmoji) {
  // No-break space, em dash, curly quotes, ideographic comma and full stop, fullwidth comma.
  EXPECT_THAT(Tokens("a\u00a0b\u2014c \u201cd\u201d e\u3001f\u3002g\uff0ch"),
              ElementsAre("a", "b", "c", "d", "e", "f", "g", "h"));
  EXPECT_THAT(Tokens("我爱北京abc"), ElementsAre("我", "爱", "北", "京", "abc"));
  EXPECT_THAT(Tokens("good👍great"), ElementsAre("good", "👍", "great"));
  EXPECT_THAT(Tokens("µm ºC"), ElementsAre("µm", "ºc"));
}

TEST(TokenizeTest, InvalidUtf8BytesSeparateWords) {
  EXPECT_THAT(Tokens("ab\xff"
                     "cd"),
              ElementsAre("ab", "cd"));
  EXPECT_THAT(Tokens("x\xc3"), ElementsAre("x"));                // truncated sequence
  EXPECT_THAT(Tokens("a\xc0\xafz"), ElementsAre("a", "z"));      // overlong '/'
  EXPECT_THAT(Tokens("a\xed\xa0\x80z"), ElementsAre("a", "z"));  // surrogate
}

TEST(TokenIdsTest, VocabularyByFrequencyPaddingAndUnknowns) {
  std::vector<Sample> train =
      Records({{"the cat sat on the mat"}, {"the dog sat"}, {"a cat"}, {std::nullopt}});
  Pipeline p = Fitted(R"({"steps": [
      {"op": "tokenize", "columns": ["text"], "stop_words": ["A"]},
      {"op": "token_ids", "columns": ["text"], "max_length": 5, "min_freq": 2}]})",
                      kText, {"text"}, train);
  // the: 3, cat: 2, sat: 2 (ties by bytes); dog, mat, on: once, below min_freq; "a" stopped.
  EXPECT_EQ(p.State()["steps"][1]["state"]["columns"]["text"]["vocabulary"],
            Json::array({"<pad>", "<unk>", "the", "cat", "sat"}));
  EXPECT_THAT(p.feature_names(),
              ElementsAre("text[0]", "text[1]", "text[2]", "text[3]", "text[4]"));
  FeatureMatrix m = Batch(p, Records({{"The cat sat on the mat today"}, {"dog"}, {std::nullopt}}));
  EXPECT_THAT(std::vector<float>(m.row(0).begin(), m.row(0).end()), ElementsAre(2, 3, 4, 1, 2));
  EXPECT_THAT(std::vector<float>(m.row(1).begin(), m.row(1).end()), ElementsAre(1, 0, 0, 0, 0));
  EXPECT_THAT(std::vector<float>(m.row(2).begin(), m.row(2).end()), ElementsAre(0, 0, 0, 0, 0));
}

TEST(TokenIdsTest, MaxSizeAndTruncateStart) {
  Pipeline p = Fitted(R"({"steps": [
      {"op": "tokenize", "columns": ["text"]},
      {"op": "token_ids", "columns": ["text"], "max_length": 2, "max_size": 1,
       "truncate": "start"}]})",
                      kText, {"text"}, Records({{"b b a"}, {"a b"}}));
  EXPECT_EQ(p.State()["steps"][1]["state"]["columns"]["text"]["vocabulary"],
            Json::array({"<pad>", "<unk>", "b"}));
  FeatureMatrix m = Batch(p, Records({{"x y b"}}));
  EXPECT_THAT(m.data, ElementsAre(1, 2));  // the last two tokens
}

TEST(BagOfWordsTest, TfidfMatchesScikitLearn) {
  // sklearn.feature_extraction.text.TfidfVectorizer() on the same three texts.
  std::vector<Sample> docs = Records({{"the cat sat"}, {"the dog sat"}, {"the cat ran"}});
  Pipeline p = Fitted(R"({"steps": [
      {"op": "tokenize", "columns": ["text"]},
      {"op": "bag_of_words", "columns": ["text"], "weighting": "tfidf"}]})",
                      kText, {"text"}, docs);
  EXPECT_THAT(p.feature_names(),
              ElementsAre("text:cat", "text:dog", "text:ran", "text:sat", "text:the"));
  const Json idf = p.State()["steps"][1]["state"]["columns"]["text"]["idf"];
  const double expected_idf[] = {1.2876820724517808, 1.6931471805599454, 1.6931471805599454,
                                 1.2876820724517808, 1.0};
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(idf[i].get<double>(), expected_idf[i], 1e-15);
  FeatureMatrix m = Batch(p, docs);
  const double expected[3][5] = {
      {0.6198053799406072, 0, 0, 0.6198053799406072, 0.48133416873660545},
      {0, 0.7203334490549893, 0, 0.5478321549274363, 0.4254405389711991},
      {0.5478321549274363, 0, 0.7203334490549893, 0, 0.4254405389711991}};
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 5; ++c) EXPECT_FLOAT_EQ(m.row(r)[c], static_cast<float>(expected[r][c]));
  }
}

TEST(BagOfWordsTest, CountsBinaryMinDfAndMaxFeatures) {
  std::vector<Sample> docs = Records({{"a a b c"}, {"a b"}, {"a d d d"}});
  Pipeline counts = Fitted(R"({"steps": [
      {"op": "tokenize", "columns": ["t"]},
      {"op": "bag_of_words", "columns": ["t"], "min_df": 2}]})",
                           kText, {"t"}, docs);
  EXPECT_THAT(counts.feature_names(), ElementsAre("t:a", "t:b"));
  EXPECT_THAT(Batch(counts, Records({{"a a b z"}})).data, ElementsAre(2, 1));

  Pipeline top = Fitted(R"({"steps": [
      {"op": "tokenize", "columns": ["t"]},
      {"op": "bag_of_words", "columns": ["t"], "weighting": "binary", "max_features": 2}]})",
                        kText, {"t"}, docs);
  // a: 4 occurrences, d: 3, then b: 2; alphabetical in the output.
  EXPECT_THAT(top.feature_names(), ElementsAre("t:a", "t:d"));
  EXPECT_THAT(Batch(top, Records({{"d d a"}})).data, ElementsAre(1, 1));

  Pipeline l2 = Fitted(R"({"steps": [
      {"op": "tokenize", "columns": ["t"]},
      {"op": "bag_of_words", "columns": ["t"], "norm": "l2", "min_df": 2}]})",
                       kText, {"t"}, docs);
  FeatureMatrix m = Batch(l2, Records({{"a a b"}}));
  EXPECT_FLOAT_EQ(m.data[0], static_cast<float>(2 / std::sqrt(5.0)));
  EXPECT_FLOAT_EQ(m.data[1], static_cast<float>(1 / std::sqrt(5.0)));
}

TEST(TextStateTest, RoundTripIsBitIdentical) {
  std::vector<Sample> docs = Records({{"Ünïcödé text, text"}, {"more text here"}, {"here 我们"}});
  const char* spec = R"({"steps": [
      {"op": "tokenize", "columns": ["t"]},
      {"op": "bag_of_words", "columns": ["t"], "weighting": "tfidf"}]})";
  Pipeline p = Fitted(spec, kText, {"t"}, docs);
  Result<Pipeline> q = Pipeline::FromJson(*ParseJson(DumpJson(p.ToJson())));
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(Batch(p, docs).data, Batch(*q, docs).data);
}

TEST(TextSpecTest, TokenStepsNeedTokensAndTokensNeedEncoding) {
  Result<Pipeline> p =
      Pipeline::Create(Spec(R"({"steps": [{"op": "token_ids", "columns": ["t"]}]})"), kText, {"t"});
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("add a tokenize step"));

  p = Pipeline::Create(Spec(R"({"steps": [{"op": "tokenize", "columns": ["t"]}]})"), kText, {"t"});
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("still a token list"));
}

}  // namespace
}  // namespace easel::data::transforms
