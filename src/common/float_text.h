#pragma once
// What a float reads as once written as text: the double nearest to its shortest decimal text.
// 5.1f is 5.099999904632568 as a double but "5.1" as text, and a CSV cell "5.1" reads as 5.1;
// a model trained on CSV text and served FP32 tensors must see 5.1 in both.

namespace easel {

// The double that std::from_chars reads from std::to_chars(v)'s text (the shortest text that
// reads back as v): bit for bit, for every float. NaN stays NaN, infinities stay infinite.
double FloatTextValue(float v);

}  // namespace easel
