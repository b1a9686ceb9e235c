"""Money expressions of a peer parser's test categories, written into report sentences.

The phenomena are those a general Chinese money parser (JioNLP's parse_money /
extract_money) is tested on: ranges, vague tens, financial (capital) numerals,
traditional characters, 圆/整, 人民币/RMB/¥/$/美金 markers, 角/分, decimals, other
currencies. The sentences are our own. Expected facts follow ANNOTATION.md
(amount): value in the base unit, a range's lower bound, `approx` for
qualifiers and ranges, currency CNY or USD; money in any other currency
(港元, 欧元, 日元 …) is not an amount of the contract and must not be emitted.

    python -m bench.peer_money          # ghminer's F1 (and JioNLP's when installed)

F1 matches facts by (value, currency), one-to-one per sentence, like the referee.
"""
from __future__ import annotations

from collections import Counter

# (sentence, [(value, currency, approx), ...])
CASES: list[tuple[str, list[tuple[float, str, bool]]]] = [
    ("区总工会为困难职工筹集帮扶资金一百二十到一百五十万元。", [(1200000, "CNY", True)]),
    ("全年发放慰问金十几万元,惠及职工三百余人。", [(100000, "CNY", True)]),
    ("公司工会向受灾会员捐赠肆佰叁拾萬圆整。", [(4300000, "CNY", False)]),
    ("工会向灾区捐款人民币2000元。", [(2000, "CNY", False)]),
    ("各分会共收缴会费35.6万元人民币。", [(356000, "CNY", False)]),
    ("对投资50万元(含)以上的职工书屋项目给予补助。", [(500000, "CNY", True)]),
    ("维权兑现金额约为28万元,挽回职工损失。", [(280000, "CNY", True)]),
    ("本季度收取会费4509、50元,全部上缴。", [(4509.5, "CNY", False)]),
    ("外资企业工会为员工争取奖金RMB 5000元。", [(5000, "CNY", False)]),
    ("合资公司工会收到外方捐助$1200,用于职工子女助学。", [(1200, "USD", False)]),
    ("引进外资项目资金300万美金。", [(3000000, "USD", False)]),
    ("出境培训经费每人1.5万美元。", [(15000, "USD", False)]),
    ("年内投入职工之家建设资金1.2亿元。", [(120000000, "CNY", False)]),
    ("集团工会争取上级补助3千万元用于疗休养基地。", [(30000000, "CNY", False)]),
    ("组织会员捐款五千余元送到病患职工家中。", [(5000, "CNY", True)]),
    ("街道工会拨付专项资金二十万零五千元。", [(205000, "CNY", False)]),
    ("社区工会收到爱心企业捐款壹万贰仟元。", [(12000, "CNY", False)]),
    ("为每个班组配发活动经费0.5万元。", [(5000, "CNY", False)]),
    ("本年度工会经费收入共计六十四万零一百四十三元一角七分。", [(640143.17, "CNY", False)]),
    ("发放节日慰问品价值2~5千元不等。", [(2000, "CNY", True)]),
    ("每户补助4万~5万元。", [(40000, "CNY", True)]),
    ("技改项目总投入8000万-1亿元。", [(80000000, "CNY", True)]),
    ("送清凉活动支出五十万元左右。", [(500000, "CNY", True)]),
    ("金秋助学发放助学金3000多元。", [(3000, "CNY", True)]),
    ("互助保障理赔款近百万元。", [(1000000, "CNY", True)]),
    ("困难职工帮扶金支出¥8,600元。", [(8600, "CNY", False)]),
    ("为职工办理互助保险,缴费共计12,350.50元。", [(12350.5, "CNY", False)]),
    ("女职工关爱基金达到叁拾万元整。", [(300000, "CNY", False)]),
    ("全年收缴工會經費一百二十三萬元。", [(1230000, "CNY", False)]),
    ("为劳模疗养拨款两万元。", [(20000, "CNY", False)]),
    ("组织职工参加义卖,筹得善款1万余元。", [(10000, "CNY", True)]),
    ("职工医疗互助金最高可报销不超过2万元。", [(20000, "CNY", True)]),
    ("活动经费投入超过十万元。", [(100000, "CNY", True)]),
    ("节约成本一百五十余万元。", [(1500000, "CNY", True)]),
    ("通过合理化建议创造效益3.6亿元人民币。", [(360000000, "CNY", False)]),
    ("工会补贴每人每月200元餐费。", [(200, "CNY", False)]),
    ("年终为每名会员发放价值300元的购物卡,共计9.6万元。", [(300, "CNY", False), (96000, "CNY", False)]),
    ("捐资助学五六千元。", [(5000, "CNY", True)]),
    ("职工活动中心总投资1亿2千万元。", [(120000000, "CNY", False)]),
    ("劳模奖励金3万5千元。", [(35000, "CNY", False)]),
    ("补助标准为每人10万至20万元。", [(100000, "CNY", True)]),
    ("捐赠人民币伍拾万元整。", [(500000, "CNY", False)]),
    ("合计￥3,200元。", [(3200, "CNY", False)]),
    ("外籍专家讲课费US$ 500。", [(500, "USD", False)]),
    ("工会投入几十万元改造职工食堂。", [(100000, "CNY", True)]),  # 几十万: at least 十万
    ("支援香港分会活动经费5万港元。", []),    # not CNY/USD
    ("港币100元由外派职工自付。", []),
    ("外方代表捐赠500欧元。", []),
    ("日方合作企业资助30万日元。", []),
    ("元旦期间开展慰问活动。", []),
    ("推动工会工作多元化发展。", []),
    ("预算xx万元用于职工活动。", []),          # masked: a placeholder, not an amount
]


def _match(pred: list[tuple[float, str]], gold: list[tuple[float, str]]) -> int:
    left = Counter((round(float(v), 2), c) for v, c in gold)
    hits = 0
    for v, c in pred:
        k = (round(float(v), 2), c)
        if left[k] > 0:
            left[k] -= 1
            hits += 1
    return hits


def _f1(hits: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = hits / n_pred if n_pred else 1.0
    r = hits / n_gold if n_gold else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def ghminer_facts(sentence: str) -> list:
    from pipeline.document import ReportSlice, SourceDoc
    from pipeline.extract import amount
    from pipeline.extract.context import ExtractContext
    from pipeline.normalise import normalise
    doc = SourceDoc(path="s.txt", source="s.txt", text=sentence, norm=normalise(sentence))
    ctx = ExtractContext(doc=doc, report=ReportSlice(1, doc.n_lines, 0, len(sentence)), section_spans=[])
    return amount.extract(doc, 0, len(sentence), ctx)


def score(predict) -> tuple[float, float, float]:
    hits = n_pred = n_gold = 0
    for sentence, gold in CASES:
        pred = predict(sentence)
        hits += _match(pred, [(v, c) for v, c, _ in gold])
        n_pred += len(pred)
        n_gold += len(gold)
    return _f1(hits, n_pred, n_gold)


def ghminer_predict(sentence: str) -> list[tuple[float, str]]:
    return [(f.value, f.currency) for f in ghminer_facts(sentence)]


def jionlp_predict(sentence: str) -> list[tuple[float, str]]:
    import jionlp  # optional: not a project dependency
    out = []
    for m in jionlp.ner.extract_money(sentence, with_parsing=True):
        d = m["detail"]
        currency = {"元": "CNY", "美元": "USD"}.get(d["case"])
        if currency is None:
            continue  # another currency: not an amount of the contract
        num = d["num"][0] if isinstance(d["num"], list) else d["num"]
        out.append((float(num), currency))
    return out


def main() -> None:
    p, r, f = score(ghminer_predict)
    print(f"ghminer  P {p:.3f}  R {r:.3f}  F1 {f:.3f}  ({len(CASES)} sentences)")
    try:
        import jionlp
        jionlp.ner  # noqa: B018 (a leftover folder of an uninstalled package imports, empty)
    except (ImportError, AttributeError):
        print("jionlp   (not installed)")
        return
    p, r, f = score(jionlp_predict)
    print(f"jionlp   P {p:.3f}  R {r:.3f}  F1 {f:.3f}")


if __name__ == "__main__":
    main()
