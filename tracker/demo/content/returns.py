"""The wording of progress returns and of the regulator's comments on them, by phase of
the pilot, in English and Traditional Chinese."""

from __future__ import annotations

EN_PHASES = (
    "Onboarding and baseline. The solution was deployed in the ring-fenced environment and "
    "baseline measurements were taken on the agreed test population.",
    "First iteration. Prompts and retrieval sources were tuned after the first supervisory "
    "feedback session; the control team sampled outputs daily.",
    "Guardrail hardening. Red-team testing covered prompt injection, data leakage and "
    "out-of-scope requests; findings were fixed before the next release.",
    "Scaling within limits. Usage grew towards the agreed cap; no boundary breaches were recorded.",
    "Stabilisation. Model and prompt versions were frozen for the evaluation window and "
    "monitoring thresholds recalibrated.",
    "Steady operation. Sampled outputs were reviewed by the first line and results shared with "
    "the regulator; no change to the pilot boundaries.",
)
ZH_PHASES = (
    "啟動及基線量度。方案已部署於隔離環境，並就協定的測試範圍完成基線量度。",
    "第一輪優化。根據首次監管回饋調整提示及檢索來源；監控團隊每日抽查輸出。",
    "加強防護。紅隊測試涵蓋提示注入、資料外洩及超出範圍的要求；問題已於下次發布前修正。",
    "在限額內擴展。使用量逐步增加至協定上限，期內沒有違反試行界限。",
    "穩定運作。評估期內凍結模型及提示版本，並重新校準監察門檻。",
    "持續運作。前線抽查輸出並與監管機構分享結果；試行界限不變。",
)
EN_COMMENTS = (
    "Thank you. Please state the sample size behind the sampled figures in the next return.",
    "Noted the improvement. Keep the human-review rate at the agreed level until the exit "
    "assessment.",
    "Please confirm that the guardrail changes went through your change-management process.",
    "Satisfactory. No further questions for this period.",
)
ZH_COMMENTS = (
    "謝謝。請在下一份報告列明抽樣數目。",
    "已備悉指標改善，請維持協定的人工覆核比例。",
    "請確認防護措施的修改已按變更管理程序批核。",
    "內容滿意，本期沒有其他問題。",
)
