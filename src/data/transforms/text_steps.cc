// Text steps: tokenize, token_ids (a fitted vocabulary, padded id sequences) and bag_of_words
// (counts, binary or TF-IDF over a fitted vocabulary).

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "data/transforms/category_index.h"
#include "data/transforms/record_step.h"
#include "data/transforms/tokenizer.h"

namespace easel::data::transforms {

namespace {

constexpr std::string_view kPad = "<pad>";  // id 0
constexpr std::string_view kUnk = "<unk>";  // id 1

// --- tokenize ------------------------------------------------------------------------------

class TokenizeStep : public RecordStep {
 public:
  TokenizeStep(const RecordStepContext& ctx, std::vector<int> slots, bool lowercase,
               std::vector<std::string> stop_words)
      : RecordStep(ctx), lowercase_(lowercase) {
    inputs_ = outputs_ = std::move(slots);
    for (int s : inputs_) {
      names_.push_back(ctx.schema->slot(s).name);
      ctx.schema->SetKind(s, ColumnKind::kTokens);
    }
    stop_words_.insert(stop_words.begin(), stop_words.end());
  }

  bool reads_text() const override { return true; }

  Status Apply(Row& row, StepScratch*) const override {
    for (int s : inputs_) {
      Cell& cell = row.cells[s];
      std::vector<std::string>& tokens = cell.tokens;
      tokens.clear();
      if (cell.kind == Cell::Kind::kText) Tokenize(cell.text, lowercase_, &tokens);
      if (!stop_words_.empty()) {
        std::erase_if(tokens, [&](const std::string& t) { return stop_words_.count(t) > 0; });
      }
      // A missing text is an empty one.
      cell.kind = Cell::Kind::kTokens;
    }
    return OkStatus();
  }

 private:
  bool lowercase_;
  std::unordered_set<std::string> stop_words_;
};

// Token counts over the training texts of one column.
struct TokenCounts {
  CategoryCounts term;      // occurrences
  CategoryCounts document;  // texts containing the token
  uint64_t documents = 0;

  void Add(const std::vector<std::string>& tokens) {
    ++documents;
    std::vector<std::string_view> distinct(tokens.begin(), tokens.end());
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    for (const std::string& t : tokens) Increment(term, t);
    for (std::string_view t : distinct) Increment(document, t);
  }
  static void Increment(CategoryCounts& counts, std::string_view t) {
    auto it = counts.find(t);
    if (it == counts.end()) {
      counts.emplace(std::string(t), 1);
    } else {
      ++it->second;
    }
  }
};

// The tokens of `counts` with count >= min_count, the `max_size` most frequent of them
// (0: all), ties by bytes; ordered by frequency when `by_frequency`, else by bytes.
std::vector<std::string> SelectTokens(const CategoryCounts& filter, uint64_t min_count,
                                      const CategoryCounts& rank, size_t max_size,
                                      bool by_frequency) {
  std::vector<std::string> tokens;
  for (const auto& [token, count] : filter) {
    if (count >= min_count) tokens.push_back(token);
  }
  auto count_of = [&](const std::string& t) { return rank.find(t)->second; };
  std::sort(tokens.begin(), tokens.end(), [&](const std::string& a, const std::string& b) {
    uint64_t ca = count_of(a), cb = count_of(b);
    return ca != cb ? ca > cb : a < b;
  });
  if (max_size > 0 && tokens.size() > max_size) tokens.resize(max_size);
  if (!by_frequency) std::sort(tokens.begin(), tokens.end());
  return tokens;
}

// The steps that learn from token counts (token_ids, bag_of_words): each tokenized input
// column becomes a block of features, and fitting counts its tokens.
class TokenCountingStep : public RecordStep {
 public:
  TokenCountingStep(const RecordStepContext& ctx, std::vector<int> slots) : RecordStep(ctx) {
    inputs_ = outputs_ = std::move(slots);
    for (int s : inputs_) {
      names_.push_back(ctx.schema->slot(s).name);
      ctx.schema->SetKind(s, ColumnKind::kBlock, ctx.index);
    }
  }

  bool stateful() const override { return true; }
  void BeginFit() override { counts_.assign(inputs_.size(), {}); }
  Status Accumulate(const Row& row) override {
    for (size_t i = 0; i < inputs_.size(); ++i) counts_[i].Add(row.cells[inputs_[i]].tokens);
    return OkStatus();
  }

 protected:
  std::vector<TokenCounts> counts_;
};

// --- token_ids -----------------------------------------------------------------------------

// Ids for sequence models: "<pad>" is 0, "<unk>" 1, then the vocabulary by decreasing
// frequency (ties by bytes). Each text becomes exactly max_length ids: cut at the end (or
// the start), padded with 0 at the end. Ids are whole numbers in float (exact up to 2^24,
// which bounds the vocabulary).
class TokenIds : public TokenCountingStep {
 public:
  TokenIds(const RecordStepContext& ctx, std::vector<int> slots, size_t max_length,
           uint64_t min_freq, size_t max_size, bool keep_end)
      : TokenCountingStep(ctx, std::move(slots)),
        max_length_(max_length),
        min_freq_(min_freq),
        max_size_(max_size),
        keep_end_(keep_end) {}

  Status EndFit() override {
    vocabularies_.assign(inputs_.size(), {});
    for (size_t i = 0; i < inputs_.size(); ++i) {
      std::vector<std::string> v = {std::string(kPad), std::string(kUnk)};
      for (std::string& t :
           SelectTokens(counts_[i].term, min_freq_, counts_[i].term, max_size_, true)) {
        v.push_back(std::move(t));
      }
      vocabularies_[i].Assign(std::move(v));
    }
    counts_.clear();
    return OkStatus();
  }

  // {"columns": {name: {"vocabulary": ["<pad>", "<unk>", ...]}}}: a token's id is its index.
  Json State() const override {
    Json columns = Json::object();
    for (size_t i = 0; i < inputs_.size(); ++i) {
      columns[names_[i]] = {{"vocabulary", vocabularies_[i].values()}};
    }
    return {{"columns", columns}};
  }

  Status LoadState(const Json& state) override {
    std::vector<std::vector<std::string>> vocabularies;
    EASEL_RETURN_IF_ERROR(
        LoadColumnStringLists(*this, state, names_, "vocabulary", "token", &vocabularies));
    std::vector<CategoryIndex> loaded(inputs_.size());
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const auto& v = vocabularies[i];
      if (v.size() < 2 || v[0] != kPad || v[1] != kUnk || v.size() > kMaxVocabulary) {
        return Error(fmt::format(
            "vocabulary of column '{}' must start with \"<pad>\", \"<unk>\" and hold at most {} "
            "tokens",
            names_[i], kMaxVocabulary));
      }
      loaded[i].Assign(std::move(vocabularies[i]));
    }
    vocabularies_ = std::move(loaded);
    return OkStatus();
  }

  Status Apply(Row& row, StepScratch*) const override {
    for (size_t i = 0; i < inputs_.size(); ++i) {
      Cell& cell = row.cells[inputs_[i]];
      const std::vector<std::string>& tokens = cell.tokens;
      size_t n = std::min(tokens.size(), max_length_);
      size_t first = keep_end_ ? tokens.size() - n : 0;
      ids_.clear();
      for (size_t k = first; k < first + n; ++k) {
        int64_t id = vocabularies_[i].Find(tokens[k]);
        ids_.push_back(id < 0 ? 1 : id);
      }
      auto& block = cell.StartBlock();
      for (size_t k = 0; k < ids_.size(); ++k) {
        if (ids_[k] != 0) block.emplace_back(static_cast<uint32_t>(k), static_cast<float>(ids_[k]));
      }
    }
    return OkStatus();
  }

  size_t BlockWidth(int) const override { return max_length_; }
  void BlockNames(int, const std::string& column, std::vector<std::string>* names) const override {
    for (size_t k = 0; k < max_length_; ++k) names->push_back(fmt::format("{}[{}]", column, k));
  }

  static constexpr size_t kMaxVocabulary = size_t{1} << 24;

 private:
  size_t max_length_;
  uint64_t min_freq_;
  size_t max_size_;
  bool keep_end_;  // cut the start, keeping the last max_length tokens
  std::vector<CategoryIndex> vocabularies_;
  // Apply runs concurrently: per-thread scratch.
  static thread_local std::vector<int64_t> ids_;
};
thread_local std::vector<int64_t> TokenIds::ids_;

// --- bag_of_words --------------------------------------------------------------------------

enum class Weighting { kCount, kBinary, kTfidf };

// scikit-learn's CountVectorizer / TfidfVectorizer over the tokens: the vocabulary is every
// token in at least min_df training texts, the max_features most frequent (total count, ties
// by bytes), in alphabetical order; TF-IDF is count * idf with the smooth idf
// ln((1 + n) / (1 + df)) + 1, then (norm "l2") divided by the row's Euclidean norm.
class BagOfWords : public TokenCountingStep {
 public:
  BagOfWords(const RecordStepContext& ctx, std::vector<int> slots, Weighting weighting, bool l2,
             uint64_t min_df, size_t max_features)
      : TokenCountingStep(ctx, std::move(slots)),
        weighting_(weighting),
        l2_(l2),
        min_df_(min_df),
        max_features_(max_features) {}

  Status EndFit() override {
    columns_.assign(inputs_.size(), {});
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const TokenCounts& c = counts_[i];
      std::vector<std::string> vocabulary =
          SelectTokens(c.document, min_df_, c.term, max_features_, false);
      Column& column = columns_[i];
      if (weighting_ == Weighting::kTfidf) {
        for (const std::string& t : vocabulary) {
          double df = static_cast<double>(c.document.find(t)->second);
          double n = static_cast<double>(c.documents);
          column.idf.push_back(std::log((1 + n) / (1 + df)) + 1);
        }
      }
      column.vocabulary.Assign(std::move(vocabulary));
    }
    counts_.clear();
    return OkStatus();
  }

  // {"columns": {name: {"vocabulary": [...], "idf": [...] (tfidf only)}}}
  Json State() const override {
    Json columns = Json::object();
    for (size_t i = 0; i < inputs_.size(); ++i) {
      Json c = {{"vocabulary", columns_[i].vocabulary.values()}};
      if (weighting_ == Weighting::kTfidf) c["idf"] = columns_[i].idf;
      columns[names_[i]] = std::move(c);
    }
    return {{"columns", columns}};
  }

  Status LoadState(const Json& state) override {
    std::vector<std::vector<std::string>> vocabularies;
    EASEL_RETURN_IF_ERROR(
        LoadColumnStringLists(*this, state, names_, "vocabulary", "token", &vocabularies));
    std::vector<Column> loaded(inputs_.size());
    for (size_t i = 0; i < inputs_.size(); ++i) {
      if (weighting_ == Weighting::kTfidf) {
        const Json* idf = StateField(*StateField(*StateField(state, "columns"), names_[i]), "idf");
        bool ok = idf != nullptr && idf->is_array() && idf->size() == vocabularies[i].size();
        for (size_t k = 0; ok && k < idf->size(); ++k) {
          double x;
          ok = JsonToDouble((*idf)[k], &x);
          loaded[i].idf.push_back(x);
        }
        if (!ok) return Error(fmt::format("state has no valid idf for column '{}'", names_[i]));
      }
      loaded[i].vocabulary.Assign(std::move(vocabularies[i]));
    }
    columns_ = std::move(loaded);
    return OkStatus();
  }

  Status Apply(Row& row, StepScratch*) const override {
    for (size_t i = 0; i < inputs_.size(); ++i) {
      Cell& cell = row.cells[inputs_[i]];
      const Column& column = columns_[i];
      ids_.clear();
      for (const std::string& t : cell.tokens) {
        int64_t id = column.vocabulary.Find(t);
        if (id >= 0) ids_.push_back(static_cast<uint32_t>(id));
      }
      std::sort(ids_.begin(), ids_.end());
      auto& block = cell.StartBlock();
      // Weights in double, rounded to float once at the end.
      weights_.clear();
      double squares = 0;
      for (size_t k = 0; k < ids_.size();) {
        size_t run = k;
        while (run < ids_.size() && ids_[run] == ids_[k]) ++run;
        double w = weighting_ == Weighting::kBinary ? 1.0 : static_cast<double>(run - k);
        if (weighting_ == Weighting::kTfidf) w *= column.idf[ids_[k]];
        weights_.emplace_back(ids_[k], w);
        squares += w * w;
        k = run;
      }
      double scale = l2_ && squares > 0 ? 1 / std::sqrt(squares) : 1;
      for (auto [id, w] : weights_) block.emplace_back(id, static_cast<float>(w * scale));
    }
    return OkStatus();
  }

  size_t BlockWidth(int slot) const override { return columns_[Position(slot)].vocabulary.size(); }
  void BlockNames(int slot, const std::string& column,
                  std::vector<std::string>* names) const override {
    for (const std::string& t : columns_[Position(slot)].vocabulary.values()) {
      names->push_back(column + ":" + t);
    }
  }

 private:
  struct Column {
    CategoryIndex vocabulary;
    std::vector<double> idf;
  };
  size_t Position(int slot) const {
    return std::find(inputs_.begin(), inputs_.end(), slot) - inputs_.begin();
  }

  Weighting weighting_;
  bool l2_;
  uint64_t min_df_;
  size_t max_features_;
  std::vector<Column> columns_;
  static thread_local std::vector<uint32_t> ids_;
  static thread_local std::vector<std::pair<uint32_t, double>> weights_;
};
thread_local std::vector<uint32_t> BagOfWords::ids_;
thread_local std::vector<std::pair<uint32_t, double>> BagOfWords::weights_;

constexpr std::initializer_list<ColumnKind> kTokens = {ColumnKind::kTokens};

}  // namespace

Result<std::unique_ptr<RecordStep>> MakeTokenize(RecordStepContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(std::vector<int> slots, ctx.Columns("columns", {ColumnKind::kRaw}));
  // Stop words are compared with tokens, so they go through the same lowercasing.
  std::vector<std::string> stop_words;
  for (const std::string& w : ctx.params.Strings("stop_words")) {
    Tokenize(w, ctx.params.Bool("lowercase"), &stop_words);
  }
  return std::unique_ptr<RecordStep>(
      new TokenizeStep(ctx, std::move(slots), ctx.params.Bool("lowercase"), std::move(stop_words)));
}

Result<std::unique_ptr<RecordStep>> MakeTokenIds(RecordStepContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(std::vector<int> slots, ctx.Columns("columns", kTokens));
  size_t max_size = ctx.params.Has("max_size") ? ctx.params.Int("max_size") : 0;
  return std::unique_ptr<RecordStep>(
      new TokenIds(ctx, std::move(slots), ctx.params.Int("max_length"), ctx.params.Int("min_freq"),
                   max_size, ctx.params.String("truncate") == "start"));
}

Result<std::unique_ptr<RecordStep>> MakeBagOfWords(RecordStepContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(std::vector<int> slots, ctx.Columns("columns", kTokens));
  std::string w = ctx.params.String("weighting");
  Weighting weighting = w == "tfidf"    ? Weighting::kTfidf
                        : w == "binary" ? Weighting::kBinary
                                        : Weighting::kCount;
  std::string norm = ctx.params.String("norm");
  bool l2 = norm == "l2" || (norm == "auto" && weighting == Weighting::kTfidf);
  size_t max_features = ctx.params.Has("max_features") ? ctx.params.Int("max_features") : 0;
  return std::unique_ptr<RecordStep>(
      new BagOfWords(ctx, std::move(slots), weighting, l2, ctx.params.Int("min_df"), max_features));
}

}  // namespace easel::data::transforms
