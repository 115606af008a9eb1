"""What a doctor's request names: the test without the words that ask for it or the reason it is wanted,
the several tests a request may list, a gloss in brackets, and whether it asks for the physical examination
rather than imaging."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

from agents.measurement.name_table import name_table
from agents.measurement.names_of_tests import EXCLUSIVE_KINDS, Key, concept_key
from agents.protocol import RequestTest, parse_action

EXAMINATION_WORDS = frozenset(
    {
        "exam",
        "examination",
        "examine",
        "explore",
        "auscultation",
        "palpation",
        "percussion",
        "inspection",
        "listen",
        "feel",
    }
)
"""Words that ask for the physical examination (or one of its methods) rather than imaging of the region."""
EXAMINATION_METHODS = frozenset({"inspection", "palpation", "percussion", "auscultation"})
"""The methods of the physical examination, as the table's keys name them."""
ONE_RESULT_WORDS = frozenset({"ratio"})
"""Words that make 'A/B ratio' one result, not a request for A and for B."""

# Requests for the answer itself rather than for a test ('diagnosis', 'Correct_Diagnosis', 'final diagnoses').
ASKS_FOR_DIAGNOSIS = re.compile(r"\bdiagnos(?:is|es|e|ed|ing)?\b")
# The simulator's own prefix, where a doctor writes it into the request ('REQUEST TEST: Lipase').
# So are the headings order lists put before a test ('Lab: TSH', 'Imaging: MRI brain', 'Test: CT, head').
_PREFIX = re.compile(
    r"^\s*(?:request(?:ed)?\s+tests?|tests?|labs?|laboratory|imaging|radiology|investigations?|order|bloods"
    r"|blood\s*(?:tests?|work))\s*:\s*"
    r"|^\s*(?:labs?|laboratory|imaging|radiology|blood\s+tests?)\s+-+\s+(?=\S)"  # 'Imaging - MRI Brain'
    r"|^\s*\d{1,2}[.)]\s+",  # a numbered list's marker ('1. CBC', '2) Chest X-ray')
    re.IGNORECASE,
)
# A reason in brackets after a test ('Lipase (to evaluate for pancreatitis)', 'smear (looking for smudge cells)', 'HbA1c
# (glucose is elevated)').
_REASON_IN_BRACKETS = re.compile(
    r"\s*\((?:\?|(?:to|for|r/o|rule|ruling|looking|look|evaluat\w*|assess\w*|check\w*|query|suspect\w*)\b)[^()]*\)"
    r"|\s*\([^()]*\b(?:is|are|was|were)\s+(?:elevated|raised|high|low|abnormal|reduced|increased|decreased)\b[^()]*\)",
    re.IGNORECASE,
)
# What a doctor in a dialogue says before the request itself: 'Okay,', 'Thank you.', 'Alright, next,', 'Great - now'.
_OPENER = re.compile(
    r"^\s*(?:(?:(?:ok(?:ay)?|alright|all right|great|good|perfect|excellent|thanks?(?: you)?(?: (?:very|so) much)?"
    r"|understood|got it|i see|noted|sure|hmm+|well|so|(?:that'?s|that is|this is) (?:very )?(?:helpful|useful|great)"
    r"|that helps)\s*[,.!:;\u2014\u2013-]+|(?:next|now|then|also|and)\b[,:]?)\s*)+"
    r"(?=\S)",
    re.IGNORECASE,
)
# The findings a request is made on, before the words asking for the test ('Based on the hallucinations, I would like
# to order a urine toxicology screen', 'Given the papules, let me request an HIV test').
_GROUNDS_FIRST = re.compile(
    r"^\s*(?:based on|given|considering|in view of|in light of|because of|with)\b[^,]*,\s*"
    r"(?=(?:i|we|let|let's|please|can|could|next|now|(?:my|the) next (?:best |logical )?step)\b)",
    re.IGNORECASE,
)
# Who asks, and how, before the test a request names: 'Can we', 'I'd like to', 'I'm going to', 'My next step is to'.
_ASKER = (
    r"(?:can|could|may|shall) (?:i|we|you)|i(?:'d| would)(?: also| now)? (?:like|want|appreciate)(?: to)?"
    r"|i(?:'ll| will| want(?: to)?| need| am ordering|'m going to| am going to|(?:'d| would)? (?:recommend|suggest))"
    r"|(?:my|the) next (?:best |logical )?step (?:is|would be|will be)(?: to)?|(?:do|did) you have"
    r"|we(?:'ll| will| should| need to| need)"
)
# Findings stated in a clause of their own before the asking words ('She's confused, so let's rule out hypoglycemia -
# what's her blood glucose?', 'Since the DIP is swollen, I'd like plain films of the hand'): the last such clause.
_GROUNDS_BEFORE = re.compile(
    rf"^.*(?:[,;:.]|\s[-\u2013\u2014])\s+(?:(?:so|and|but|then|therefore|thus)\s+)?(?=(?:{_ASKER}|let(?:'s| me| us)"
    r"|please (?:get|order|run|send|check|do|obtain|arrange|perform)"
    r"|what(?:'s| is| was| are| were) (?:the|his|her|their)|what (?:did|does|do) (?:the|his|her|their)"
    r"|(?:do|did) we have)\b)",
    re.IGNORECASE,
)
# Words that make a clause a statement ('She's confused', 'Since the DIP is swollen'), not a test's name.
_STATING = re.compile(r"\b(?:he|she|they|this|that|it|since|because|as|is|are|was|were)\b|'s\b", re.IGNORECASE)
# A verb between what a question asks for and the test it is on ('protein is on the dipstick'), read without it.
_BE_BEFORE_PLACE = re.compile(r"(?<=\w) (?:is|are|was|were)(?= (?:on|in) (?:the|his|her|their) )", re.IGNORECASE)
MOST_WORDS_OF_A_NAME = 4
"""A clause of more words than this before the asking words is taken for findings, not a test's name."""
# Markdown emphasis around a request ('**CT Head without contrast**').
_EMPHASIS = re.compile(r"\*+|(?<!\w)_{2,}|_{2,}(?!\w)")
# A bulleted list written on one line ('- CBC - CRP', '• TSH • free T4'): each bullet after the first begins a test.
_BULLETED = re.compile(r"^\s*[-•]\s+(?=.*\s[-•]\s)")
_BULLET = re.compile(r"\s+[-•]\s+")
# What of a test is wanted, after it: 'the urinalysis, specifically looking for white cells and nitrites' is a gloss
# ('urinalysis (white cells and nitrites)').
_SPECIFICALLY = re.compile(
    r",?\s+(?:specifically|particularly|especially|in particular|namely)\b"
    r"(?:\s+(?:looking|look|checking)\s+(?:for|at))?(?:\s+the)?\s+(?P<items>[^()]+?)\s*[.?!]?$",
    re.IGNORECASE,
)
_EXAMINING = re.compile(r"\b(?:exam\w*|palpat\w*|auscultat\w*|inspect\w*|percuss\w*)", re.IGNORECASE)
# A numbered list written on one line ('1. CBC 2. Chest X-ray'): each marker after the first is where a test begins.
_NUMBERED_ITEM = re.compile(r"(?<=\S)\s+\d{1,2}[.)]\s+(?=[A-Za-z])")
# An article starting one test of several ('a serum creatinine and a urinalysis', 'TTE and an ECG').
_LEADING_ARTICLE = re.compile(r"^(?:a|[Aa]n)\s+(?=\S)")
# The sample written as one letter before the test: 'S. creatinine' (South Asian usage), 'S-creatinine', 's-Cr',
# 'P-glucose', 'U-albumin' (Nordic and Korean usage); not 'p-ANCA' or 'B-type'.
_SERUM_SHORT = re.compile(
    r"(?:^|(?<=\s))(?:(?P<serum>S\.\s*|[Ss]-)|(?P<plasma>P-)(?=[a-z]{3})|(?P<urine>U-))(?=[A-Za-z])"
)


def _sample_written_out(short: re.Match[str]) -> str:
    """The sample a one-letter prefix stands for, written out ('s-Cr' -> 'serum Cr')."""
    return "serum " if short["serum"] else "plasma " if short["plasma"] else "urine "


# Words around the test that only ask for it: 'Can we get a CBC?', 'I'd like to order an abdominal CT'.
_ASKING = re.compile(
    rf"^\s*(?:(?:{_ASKER}"
    r"|let(?:'s| us| me)(?: first)?|please|pls|plz|kindly|next|now|also|then|and|go ahead(?: and| with)?)\b[\s,]*)+"
    r"(?:(?:order|get|obtain|check|see|do|perform|run|request|send(?: off)?|have|review|look at|schedule|arrange|book"
    r"|organi[sz]e|take|collect|draw|add(?: on)?|compare|repeat|place|give|provide|tell|know|measure|carry out|read"
    r"|pull(?: up)?|show|share|forward|pass on|pass along|fetch|retrieve|display"
    r"|ordering|checking|requesting|obtaining|sending"
    r"|record|document|report)\b(?:\s+(?:me|us)\b)?\s*)?"
    r"(?:whether\s+)?(?:all (?:of )?)?(?:(?:a|an|the|some|his|her|their)\s+)?"
    r"|^\s*(?:what(?:'s| is| was| are| were)|how(?:'s| is| was| are| were)|how (?:high|low|bad) (?:is|was|are|were)"
    r"|how (?:much|many)|what gives|whether|anything (?:on|in)|dosage(?: of)?|(?:is|are) there|were there|any|which"
    r"|what shows?|(?:has|have|was|were) (?:a|an|any)"
    r"|(?:has|have)(?!\s+(?:he|she|they|we|you|i|the patient|the baby|the child)\b)(?=(?:\s+[^\s?.!]+){1,5}\s*[?.!]*$)"
    r"|what (?:do|can|did) you (?:hear|see|feel|find)(?: (?:on|with|when you|when))?"
    r"|(?:has|have|did|does|do) (?:he|she|they|we|the patient|the baby|the child) (?:had|have|get|got)"
    r"|(?:did|have|has) (?:we|you|they|anyone) (?:send|sent|order|ordered|do|done|check|checked)"
    r"|(?:has|have|did) (?:he|she|they) (?:dropped|drop|lost|raised) (?:his|her|their)"
    r"|(?:was|were|is|are) (?:the patient|the baby|the child|the|his|her|their|he|she|they)|(?:was|were|is|are)(?= \w)"
    r"|(?:how )?(?:do|does|did) (?:the|his|her|their|its)(?= \w)"
    r"|check(?: for)?|look for|assess for|evaluate(?: for)?|test(?: for)?|screen for"
    r"|(?:lab(?:oratory)? )?results? (?:for|of|on)"
    r"|search (?:of|for)|order|obtain|get|perform|record|measure|ordering|requesting|obtaining|checking"
    r"|do(?= (?:a|an|the|his|her|their) )"
    r"|let me (?:see|have|know)|show me|give me|tell me"
    r"|send(?: off)?|run)\s+(?:(?:the|his|her|their|its|any|a|an|some)\s+)?",
    re.IGNORECASE,
)
# Words after the test that only ask for it: 'a CBC too', 'basic labs to start', 'Was the cannabis screen positive?',
# 'hb stable?', 'cd4 <50?', 'blood tests done so far', 'bloods have we got', 'bp trend over the last 5 mins', 'cmp
# resulted yet', 'cxr read pls', 'trops neg?', 'lytes wnl?', 'hgb this am', 'blood cultures growing anything'.
_ASKING_AFTER = re.compile(
    r"(?:,?\s+(?:too|as well|also|again|first|please|pls|plz|to start|now|today|for now|done|running|sent(?: off)?|like"
    r"|and (?:did|do|does|has|have) (?:it|they|these|those) (?:grow|grown|show|shown|find|found) (?:anything|something)"
    r"|if (?:available|possible|any|done|performed|(?:it was|it's|already) done)"
    r"|yet|already|so far|to date|together|or not|stable|dosage|results? out|closely|carefully|thoroughly"
    r"|(?:over|in|during) the (?:(?:last|past) )?(?:\d+ ?|few |several )?(?:min(?:ute)?s?|h(?:ou)?rs?|days?)"
    r"|(?<=trend\s)over time|this (?:am|morning|pm|afternoon|evening)|overnight|growing(?: anything| something)?"
    r"|(?:have|do) (?:we|you) (?:got|have)"
    r"|(?:results? )?(?:(?:is|are) )?(?:available|ready)|showing|as (?:a )?(?:%|percent(?:age)?)(?: of)?(?: predicted)?"
    r"|(?:that )?(?:you|we) (?:have|hold)(?: available| so far| on (?:file|record))?"
    r"|(?:been )?(?:performed|filled out|recommended|done|drawn|obtained|collected|checked|measured|tested|resulted"
    r"|reported|read)"
    r"|(?:was|were|is|are|has been|have been) (?:done|sent(?: off)?|ordered|taken|detected|found|seen)"
    r"|(?:(?:the )?results? )?(?:is|are|was) how(?: much| many)?|shows? what"
    r"|(?:is|are|was|were)(?=\s+\S+(?:\s+or not)?\s*[?.!]*$)"
    r"|(?:does|do|did) (?:he|she|they|the patient) have|(?:[<>]=?|\u2264|\u2265)\s*\d[\d.,]*(?:\s*[a-z/%]+)?"
    r"|(?<!lower )(?<!upper )(?<!low )(?<!mid )(?<!the )(?<!his )(?<!her )(?<!their )(?<!my )(?<!: )back"
    r"|(?:been )?(?:positive|negative|detectable|undetectable"
    r"|normal|abnormal|raised|elevated|reduced|increased|decreased|suppressed|low|high|up|down|or"
    r"|neg|pos|wnl|nl|nml|unremarkable"
    r"|rising|falling|dropping|climbing|ok|okay|dropped|fallen|risen|changed)|(?:positive|negative) for .+"
    r"|(?:c/w|consistent with) .+))+"
    r"\s*[?.!]*$",
    re.IGNORECASE,
)
# A result hoped for before the test it would be found on: 'any positive skin prick tests?'.
_ANY_RESULT = re.compile(r"^(?:positive|negative)\s+(?=[a-z])", re.IGNORECASE)
# Examinations 'per' a route, as Indian and British notes write them ('P/A examination', 'P/V', 'per speculum').
_BY_ROUTE = re.compile(
    r"\bP/[AVSR]\b|\bper\s+(?:abdomen|vaginum|vaginal|speculum|rectum|rectal)\b|\bP[RV](?=\s+(?:exam|examination|tone|sample|findings)\b)",
    re.IGNORECASE,
)
ROUTES = {
    "p/a": "abdominal",
    "per abdomen": "abdominal",
    "p/v": "vaginal",
    "per vaginum": "vaginal",
    "p/s": "speculum",
    "per speculum": "speculum",
    "p/r": "rectal",
    "per rectum": "rectal",
    "per vaginal": "vaginal",
    "per rectal": "rectal",
    "pr": "rectal",
    "pv": "vaginal",
}
"""The examination each route names."""
# 'CNs' (so written) are the cranial nerves; 'CNS examination' is the central nervous system's, the neurological one.
_CRANIAL_NERVES = re.compile(r"\bCNs\b")
# 'PR per minute': a rate per minute is the pulse rate, as Indian notes write it (a PR alone may be a rectal exam).
_PULSE_RATE = re.compile(r"\bPR\s*(?=(?:per\s+|/\s*)min(?:ute)?\b)", re.IGNORECASE)
# What a part looks or sounds like, asked plainly ('What does the rash look like?', 'How do his lungs sound?'): its
# inspection or its auscultation.
_SEEMS_LIKE = re.compile(
    r"^\s*(?:what|how) (?:does|do|did) (?:the |his |her |their )?(?P<what>.+?) (?P<sense>look|sound)(?: like)?\b"
    r"(?P<rest>.*)$",
    re.IGNORECASE,
)
SENSED_BY = {"look": "inspection", "sound": "auscultation"}
"""The examination method a plain question's verb asks for."""
# Pressing on a part, asked plainly ('Does his belly hurt when you press on it?', 'Is the rash tender when you touch
# it?'): its palpation.
_WHEN_PRESSED = re.compile(
    r"\s+(?:when|if|as) (?:you|i|we) (?:press|push|touch|feel|palpate|squeeze)(?:\s+(?:on|over|in))?"
    r"(?:\s+(?:it|them|there|here|(?:the|his|her|their) (?P<where>(?:mid |left |right |upper |lower )?\w+)))?",
    re.IGNORECASE,
)
BLOODS_ALONE_AFTER = frozenset(
    "what which any all the his her their some send sent got have basic routine baseline admission initial more".split()
)
"""Words after which 'bloods' are the blood tests themselves ('what bloods sent?'), not a test's blood sample
('genetic bloods')."""


def _bloods_written_out(bloods: re.Match[str]) -> str:
    before = bloods.string[: bloods.start()].lower().split()
    return "blood tests" if not before or before[-1] in BLOODS_ALONE_AFTER else bloods[0]


# Ward shorthand, each rewritten before the request is read, in this order:
# - the movement whose strength is tested ('hip flexion power'): the strength, not the range;
# - where samples were taken, for a test drawn twice ('blood cultures from two sites'): no part of its name;
# - 'LE strength', 'UE reflexes', 'UL power': the lower and upper extremities (limbs), not the leukocyte esterase;
# - 'resps': the respirations counted, as British nurses chart the respiratory rate;
# - 'bloods': the blood tests, as British and Commonwealth wards say it;
# - 'GC/CT': gonorrhoea and chlamydia (not a CT scan); 'GAS throat culture': group A strep (not a blood gas);
# - German names: 'GOT' (in capitals) the AST, 'the Quick' the prothrombin time, a radiograph 'in two planes' two views;
# - 'echo abdomen', 'pelvic echo': an ultrasound, as French and Spanish say echo of any organ but the heart;
# - 'proteinuria of 24 hours': a timed (24-hour) urine collection, not the dipstick's protein;
# - 'FBC n CRP', 'the FEV1 together with the CXR': both tests, as 'and' lists them;
# - 'A&Ox3', 'AOx4': alert and oriented, the cognitive part of the mental status examination;
# - 'antibody to hepatitis B surface antigen', 'anti-hepatitis B surface antigen': the antibody named after its
#   antigen ('hepatitis B surface antibody'), not the antigen.
# An organ whose echo is an ultrasound, not an echocardiogram ('echo abdomen', 'kidney echo', 'TV echo').
_SCANNED_ORGAN = (
    r"(?:abdomen|abdominal|abdo|pelvic|pelvis|renal|kidneys?|liver|hepatic|thyroid|breasts?|mamma|obstetric"
    r"|endovaginal|vaginal|transvaginal|tv|testicular|scrotal|neck|soft)"
)
_SHORTHAND: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(
            r"\b(?:flexion|extension|abduction|adduction|flexor|extensor|abductor|adductor)\s+(?=(?:power|strength)\b)",
            re.IGNORECASE,
        ),
        "",
    ),
    (
        re.compile(
            r"\s+(?:from|at|x)\s*(?:two|2|both|separate|different)\s+(?:sites|arms|venepunctures)\b", re.IGNORECASE
        ),
        "",
    ),
    (
        re.compile(
            r"\b(?P<limb>[LU])[EL]s?\b(?=\s+(?:strength|power|reflexes|reflex|tone|sensation|edema|oedema|pulses|exam\w*))"
        ),
        lambda limb: "lower extremity" if limb["limb"] == "L" else "upper extremity",
    ),
    (re.compile(r"\bresps\b", re.IGNORECASE), "respiratory rate"),
    # Order-entry views and limbs: 'CXR 2v', 'XR knee 3V'; 'lower ext doppler', 'bilat upper ext'
    (re.compile(r"(?<![A-Za-z0-9])(?P<number>\d)\s*v\b", re.IGNORECASE), r"\g<number> views"),
    (
        re.compile(r"\b(?P<limb>lower|upper)\s+ext\b(?!\.?\s*rotation)", re.IGNORECASE),
        r"\g<limb> extremity",
    ),
    # A number of views is a radiograph's ('hand 3 view', '2 view knee')
    (
        re.compile(
            r"^(?!.*\b(?:x-?rays?|radiographs?|films?|xr|cxr)\b)(?P<before>.*?)\b\d\s*-?\s*views?\b", re.IGNORECASE
        ),
        r"\g<before>radiograph",
    ),
    # Two views written together: 'Knee_Xray_AP_Lateral', 'PA lat': each view
    (
        re.compile(r"(?<![A-Za-z0-9])(?P<front>AP|PA)[\s_]+(?P<side>lat(?:eral)?)(?![A-Za-z])", re.IGNORECASE),
        r"\g<front> and \g<side>",
    ),
    # A capital X standing alone is a radiograph in Dutch and Scandinavian usage ('X-thorax', 'X left foot')
    (re.compile(r"(?<![A-Za-z0-9/])(?<!factor )(?<!Factor )X(?![A-Za-z0-9])(?![-_ ]?(?:[Rr]ay|P\b))"), "X-ray"),
    # 'c' after a test's abbreviation is the c-bar of chart shorthand, 'with' ('CBC c diff', 'U/A c micro')
    (re.compile(r"\b(?P<test>CBC|FBC|U/A|UA)\s+c\s+(?=[A-Za-z])"), r"\g<test> with "),
    (re.compile(r"\bGC\s*/\s*CT\b", re.IGNORECASE), "gonorrhea and chlamydia"),
    (re.compile(r"\bGOT\b"), "AST"),
    (re.compile(r"\b(?P<side>right|left|rt|lt)\s+LL\b", re.IGNORECASE), r"\g<side> lower limb"),
    (re.compile(r"(?<=uria)\s+(?:of|over|in|on)\s+24\s*(?:h|hrs?|hours?)\b", re.IGNORECASE), " 24 hour urine"),
    (re.compile(r"\b24\s*-?\s*(?:h|hrs?|hours?)\s+(?=[a-z]+uria\b)", re.IGNORECASE), "24 hour urine "),
    (re.compile(rf"\becho(?:graphy)?\b(?=\s+(?:of\s+(?:the\s+)?)?{_SCANNED_ORGAN}\b)", re.IGNORECASE), "ultrasound"),
    (re.compile(rf"\b(?P<organ>{_SCANNED_ORGAN})\s+echo\b", re.IGNORECASE), r"\g<organ> ultrasound"),
    (re.compile(r"\bQuick\b(?=(?:\s+(?:value|test|time))?\s*(?:[?.!,/)]|$|\s+and\b))"), "prothrombin time"),
    (re.compile(r"\bin\s+(?:two|2|zwei)\s+(?:planes|ebenen)\b", re.IGNORECASE), "2 views"),
    (re.compile(r"\bGAS(?=\s+(?:throat|culture|swab|rapid|antigen|pcr|test)\b)"), "group A strep"),
    (re.compile(r"\bbloods\b", re.IGNORECASE), _bloods_written_out),
    (re.compile(r"(?<=\w)\s+(?:n|together with)\s+(?=\w)", re.IGNORECASE), " and "),
    (re.compile(r"\bA\s*&?\s*O\s*x\s*[1-4]\b|\bA\s*&\s*O\b", re.IGNORECASE), "alert and oriented"),
    (
        re.compile(
            r"\b(?:antibod(?:y|ies)\s+(?:to(?!\s+(?:further|better|rule|evaluate|assess|check|look|confirm|exclude|see)\b)"
            r"|against)\s+(?:the\s+)?|anti-?\s*(?=[\w\s-]+?\santigen\b))"
            r"(?P<what>[\w\s-]+?)(?:\s+antigen)?(?=\s*(?:[?.,;)]|$|\band\b))",
            re.IGNORECASE,
        ),
        r"\g<what> antibody",
    ),
)
# The cranial nerves numbered ('cranial nerves 2 through 12', 'CN II-XII'): all of them.
_NERVE_RANGE = re.compile(r"(?<=nerves)\s+(?:II|2)\s*(?:-|to|through|\u2013)\s*(?:XII|12)\b", re.IGNORECASE)
# The findings of an examination asked to be reported ('Please report the behaviour findings.'): the examination.
_REPORT_FINDINGS = re.compile(
    r"^\s*(?:please\s+)?(?:report|describe|give me|tell me)\s+(?:the\s+)?(?P<what>.+?)\s+findings\s*[.?!]*$",
    re.IGNORECASE,
)
# Where one question or sentence ends and another follows ('tender? peritonism?', 'Open your mouth. Uvula midline?').
_QUESTION_BREAK = re.compile(r"\?+(?:\s+|$)|(?<=[a-z])\.\s+(?=[A-Za-z])")
# 'Have a look at the rash', 'have a listen to his chest', 'have a feel of her tummy': looking, listening, feeling.
_HAVE_A = re.compile(
    r"^\s*(?:(?:please|can you|could you|let me|let's|i'll)\s+)?have a\s+(?=(?:look|listen|feel)\b)", re.IGNORECASE
)
# How the patient looks ('How does he look?', 'Does she look pale?', 'How does the infant appear overall?'): the general
# appearance, however the question ends.
_LOOKS = re.compile(
    r"^\s*(?:how\s+)?(?:does|do|did)\s+(?:he|she|they|the\s+(?:patient|baby|child|infant|boy|girl|man|woman))"
    r"\s+(?:look|appear)\b.*$",
    re.IGNORECASE,
)
# 'Observations' asked for alone: the British ward's vital signs (an observation of something is its inspection).
_OBSERVATIONS = re.compile(
    r"^(?:(?:his|her|their|the|latest|current|basic|routine|full|a full set of)\s+)?observations$", re.IGNORECASE
)
# How fast the patient breathes or the heart beats, asked plainly ('How fast is he breathing?', 'Is his heart racing?').
_HOW_FAST = re.compile(
    r"^\s*how fast is\s+(?:(?:he|she|they|the patient|the baby|the child|his|her|their|the)\s+)?"
    r"(?:breathing|pulse|heart)(?:\s+(?:going|racing|beating))?\s*[?.!]*$"
    r"|^\s*is\s+(?:his|her|their|the)\s+heart\s+(?:racing|pounding)\s*[?.!]*$"
    r"|^\s*(?:(?:can|could) you\s+|please\s+)?(?:how many|count (?:his|her|their|the))"
    r"\s+(?:breaths|respirations)\b.*$",
    re.IGNORECASE,
)
_ARTICLE = re.compile(r"^\s*(?:a|an|some)\s+", re.IGNORECASE)
# What a result was, before the test that reports it: 'Was cocaine positive on the drug screen?' -> 'cocaine on the drug
# screen'.
_RESULT_BEFORE = re.compile(
    r"^\s*(?:(?:was|were|is|are)\s+)?(?P<result>.+?)\s+(?:been\s+)?(?:positive|negative|detected|raised|elevated"
    r"|abnormal|normal)\s+(?P<test>(?:on|in)\s.+)$"
    r"|^\s*(?:was|were|is|are)\s+(?:he|she|they|the patient|the baby)\s+(?:positive|negative)\s+for\s+(?P<only>.+)$"
    r"|^\s*(?:was|were|is|are)\s+(?:the\s+|his\s+|her\s+|their\s+)?(?P<tested>.+?)\s+(?:positive|negative)\s+for\s+"
    r"(?P<what>.+?)\s*\??$",
    re.IGNORECASE,
)
# How long a recording runs ('actigraphy over two weeks', 'a 7-day Holter') or the day of the cycle a sample is
# taken on ('day 21 progesterone'): no part of the test's name.
_DURATION = re.compile(
    r"\s*\b(?:over|for)?\s*(?:an?|one|two|three|four|five|six|seven|ten|fourteen|\d+)[- ]"
    r"(?:weeks?|wks?|days?|nights?|months?)\b"
    r"|\s*\b(?:(?:cycle|menstrual)\s+)?day\s+\d+(?:\s+of\s+(?:the|her)\s+cycle)?\b",
    re.IGNORECASE,
)
# What a request says it looks for ('Palpate the abdomen for hepatosplenomegaly', 'blood film for fragments').
SOUGHT = re.compile(r"\s+for\s+", re.IGNORECASE)
# The article after a preposition ('biopsy of a patch'); 'a' elsewhere names a type ('hepatitis A').
_ARTICLE_AFTER_PREPOSITION = re.compile(r"\b(of|for|on|in|at|from|with|to|over)\s+an?\s+", re.IGNORECASE)
# A reason after the test: 'CT abdomen to rule out appendicitis', 'Lipase - to check for pancreatitis'.
# A dash between a test and what is said of it: an em or en dash, or hyphens with spaces round them.
_DASH = r"(?:\s*[\u2014\u2013]\s*|\s+-+\s+)"
_REASON = re.compile(
    r"(?:\s+-+\s+|\s*[:;]\s+|\s+)(?:to (?:(?:further|better|fully|also|help|properly)\s+)?"
    r"(?:rule out|r/o|evaluate|assess|look for|check(?: for)?|exclude|confirm|"
    r"screen for|investigate|identify|detect|determine|classify|characteri[sz]e|see|stage|grade|quantify|define|"
    r"delineate|measure|document|visuali[sz]e|monitor|guide|locali[sz]e|differentiate|distinguish|clarify|establish|"
    r"work up|verify|trend|follow)"
    r"|for (?:suspected|possible|presumed|evaluation|assessment|r/o)|r/o|"
    r"rule out|looking for|in order to|because|due to|given (?:the|her|his|their)|before|prior to|after|as part of|"
    r"following|corrected for|adjusted for)\b.*$"
    r"|\s*,\s*for (?:the|her|his|their|this|that|ongoing|persistent|new)\s.*$"  # 'ECG 12 lead, for the tachycardia'
    rf"|{_DASH}(?:confirm|exclude|rule out|r/o|assess|evaluate|check|screen|investigate"
    r"|look(?:ing)? for|query|suspect(?:ed)?|likely|probable|possible|concern(?:ed)? for)\b.*$"  # 'PFTs — confirm COPD'
    r"|\s+\?\s*[a-z].*$",  # 'CXR ?pneumonia': the query a clinician writes after the test
    re.IGNORECASE,
)
# A question added after a dash ('bimanual exam - cervical excitation?'): what the doctor hopes to see.
_TRAILING_QUESTION = re.compile(
    r"\s+[-\u2013\u2014]+\s+(?:any\s+|(?:is|are)\s+there\s+(?:any\s+)?|(?:is|are|was|were)\s+(?:the|his|her|their)\s+)?"
    r"(?P<hoped>[^-\u2013\u2014]*?)\s*\?\s*$",
    re.IGNORECASE,
)
# A question put after the test without a dash ('CXR any cardiomegaly?', 'TVUS got gestational sac?'), read as if
# it had one; not a question that asks to examine ('Can you feel any nodes?').
_QUESTION_AFTER_TEST = re.compile(
    r"^(?!\s*(?:can|could|may|please|is|are|do|does|did|look|check|feel|listen|examine)\b)"
    r"(?P<test>\S.*?)\s+(?:any|got|(?:is|are) there(?: any)?)\s+(?P<hoped>[^?]*?[a-z][^?]*?)\s*\?\s*$",
    re.IGNORECASE,
)
# Where a question names its test last: 'is there an obstructive pattern on spirometry?'.
_NAMED_LAST = re.compile(r"\s(?:on|in)\s+(?:the\s+|his\s+|her\s+|their\s+)?", re.IGNORECASE)
# A urine dipstick, and the leukocytes it is asked for: the strip measures their esterase, not a count.
_DIPSTICK = re.compile(r"\bdip(?:stick)?s?\b", re.IGNORECASE)
_LEUKOCYTES = re.compile(r"\b(?:leu[ck]ocytes?|leu[ck]s|wbcs?|white cells)\b", re.IGNORECASE)
# A question about what a test showed: 'Did the CT chest show a thymoma?', 'What did the chest CT show?', 'Did the
# urinalysis come back?'.
_SHOWED = re.compile(
    r"^\s*(?:what(?: [a-z]+)? )?(?:did|does|has|have) (?:the |his |her |their )?(?P<test>.+?)"
    r" (?:show|reveal|demonstrate|find|say|read|results? (?:come|came) back|come back|result|return)\b(?P<shown>.*)$"
    r"|^\s*(?:what )?(?:did|does|has|have) (?:the |his |her |their )?(?P<growing>.+?) (?:grow|grown)\b.*$"
    r"|^\s*what (?:(?:organisms?|bugs?|bacteria|pathogens?|microbes?) )?(?:grew|has grown|was grown|is growing)"
    r" (?:from|on|in) (?:the |his |her |their )?(?P<grown>.+?)\s*\??$",
    re.IGNORECASE,
)
# A question about one property of a result: 'What colour was his urine?' -> 'urine colour'.
_PROPERTY_ASKED = re.compile(
    r"^\s*what (?P<property>[a-z]+) (?:was|is|were|are) (?:the|his|her|their) (?P<of>[^?]+?)\s*\??$", re.IGNORECASE
)
# A heading, then the tests it holds: 'Inflammatory markers: ESR & CRP', 'Lung volumes - total lung capacity'
# read as a gloss ('Inflammatory markers (ESR & CRP)').
_HEADED_LIST = re.compile(r"^(?P<heading>[^:()\[\]]+?)(?:\s*:|\s+-+)\s+(?P<items>[^:()\[\]?]+)$")
# A gloss inside a request: 'Basic metabolic panel (BMP)', 'Thyroid function tests [TSH, free T4]'.
PARENTHESES = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
# Where a request lists tests of its own ('transthoracic echo (TTE) and an ECG'), outside any gloss.
_TESTS_APART = re.compile(r"\s*(?:[,;+]|\band\b)\s*", re.IGNORECASE)


def glossed_tests_apart(request: str) -> list[str]:
    """The tests a request lists where a gloss follows one that is not the last ('transthoracic echocardiography (TTE)
    and an ECG' -> the echo with its gloss, and the ECG): each gloss is of the test before it, not of the list. A
    request with no such gloss is one piece."""
    glosses = list(PARENTHESES.finditer(request))
    if not glosses or not _TESTS_APART.search(request[glosses[0].end() :]):
        return [request]
    pieces, start, cursor = [], 0, 0
    for gloss in [*glosses, None]:
        end = gloss.start() if gloss else len(request)
        for split in _TESTS_APART.finditer(request, cursor, end):
            pieces.append(request[start : split.start()])
            start = split.end()
        cursor = gloss.end() if gloss else end
    pieces.append(request[start:])
    return [piece.strip() for piece in pieces if piece.strip()]


# Where a request names several tests ('BUN and creatinine', 'PT/PTT', 'ESR, CRP'), the separator kept.
# 'und', 'et' and a lowercase 'e' are 'and' in German, French and Portuguese ('Krea und Harnstoff', 'K e Cl'), but not
# the 'e' of hepatitis B e antigen.
REQUEST_PARTS = re.compile(
    r"\s*([,;/&+]|\band\b|\bund\b|\bet\b|(?-i:(?<![Bb] )\be\b(?!\s*(?:antigen|antibody|ag|ab)\b))"
    r"|\bplus\b|\bwith\b|\bincluding\b|\bincl\b\.?)\s*",
    re.IGNORECASE,
)
_UREA_AND_ELECTROLYTES = re.compile(r"\bu\s*(?:&|\+|and|n)\s*es?\b(?:\s+(?:electrolytes|lytes)\b)?", re.IGNORECASE)
"""'U&E', 'U+Es', 'u and e', 'U&E electrolytes': the urea and electrolytes, one panel, kept whole when a list is cut at
'&', '+' and 'and' (and at 'e', the Italian and Portuguese 'and')."""
PART_OF_THE_LAST = frozenset({"with", "including", "incl", "incl."})
"""Separators after which a part names something of the test before it ('electrolytes including calcium')."""
# Order-entry shorthand: 'w/ diff' and 'w diff' are 'with diff', 'w/o contrast' and 'wo contrast' 'without contrast'.
_WITHOUT_SHORT = re.compile(r"\bw/?o\b", re.IGNORECASE)
_WITH_SHORT = re.compile(r"\bw/\s*|\bw\s+(?=[a-z])", re.IGNORECASE)
# 'MRI brain w wo contrast', 'CT with and without contrast': both phases of one study, which the study's name holds
# (read as 'without', whose words are then no part of the name).
_BOTH_PHASES = re.compile(r"\b(?:w/?|with)\s*(?:and\s+|/\s*)?(?:w/?o|without)\b", re.IGNORECASE)
# When a sample was taken or a result obtained is no part of the test's name: 'CBC drawn this morning'.
_WHEN_TAKEN = re.compile(
    r"\s+(?:(?:that|which)\s+(?:was|were)\s+)?(?:(?:drawn|taken|done|sent|performed|collected|results?)\s+)?"
    r"(?:from\s+)?(?:this morning|this afternoon|today"
    r"|yesterday|last night|on admission|on arrival|at presentation|earlier(?: today)?)\b",
    re.IGNORECASE,
)
# The unit a result is reported in, after the test: 'Serum potassium, mEq/L', 'Glucose (mmol/L)', 'protein (g/day)'.
_UNIT = re.compile(
    r"\s*(?:[,(\[]|\bin\b)\s*(?:[\u00b5u]?mol|[mnp]mol|m?eq|[\u00b5um]?g|[np]g|m?iu|u|mm(?:\s*hg)?|cells|fl|%)"
    r"(?:\s*/\s*[\w.^]+)*"
    r"\s*[)\]]?\s*(?=\??\s*$)",
    re.IGNORECASE,
)
# 'arm vs leg BP': the two compared, as 'arm and leg BP'.
_VERSUS = re.compile(r"\s+(?:vs\.?|versus|along with|together with)\s+", re.IGNORECASE)
# 'XR lumbar spine 2-3 views': the larger number of views ordered.
_VIEW_RANGE = re.compile(r"\b\d+\s*(?:-|to|or)\s*(\d+)(?=\s*views?\b)", re.IGNORECASE)
# 'Urine R/M': urine routine and microscopy, as South Asian order lists write the urinalysis.
_ROUTINE_MICROSCOPY = re.compile(r"\bR\s*[/&]\s*[ME]\b")
# 'sputum m/c/s', 'MC&S', 'M,C&S': microscopy, culture and sensitivity, one order however it is punctuated.
_MCS = re.compile(r"\bm\s*[/,.]?\s*c\s*(?:[/&,.]|\band\b)?\s*s\b", re.IGNORECASE)
# A culture asked about by its growth: 'any growth on the urine culture?' -> 'urine culture'.
_GROWTH = re.compile(
    r"^\s*(?:any|was there any|is there any)?\s*growth (?:yet )?(?:on|in|from) (?:the |his |her |their )?",
    re.IGNORECASE,
)
# Blood pressure lying and standing is the orthostatic blood pressure ('postural BP', 'lying/standing BP').
_POSTURAL = re.compile(r"\b(?:lying|supine|sitting)\s*(?:and|/|&|-|to)\s*standing\b|\bpostural\b", re.IGNORECASE)
# A size is no part of a test's name: '4 mm punch biopsy', 'biopsy of the 2 cm nodule'.
_SIZE = re.compile(r"\b\d+(?:\.\d+)?\s*(?:mm|cm)\b", re.IGNORECASE)
# Blood found in the urine is what is measured there, not a blood sample: 'blood in the urine', 'blood on the urine
# dipstick' -> 'urine blood'.
_BLOOD_IN = re.compile(
    r"\bblood (?:in|on) (?:the |his |her |their )?(?:urine\b(?: dip(?:stick)?\b)?|(?:urine )?dip(?:stick)?\b)"
    r"|\b(?:urine(?: dip(?:stick)?)?|urinalysis|dip(?:stick)?) for blood\b",  # 'urine dipstick for blood'
    re.IGNORECASE,
)
# A value asked about after the test: 'Is the CD4 count below 50?' asks for the count.
_COMPARED = re.compile(
    r"\s+(?:below|above|under|over|less than|more than|greater than|at least|<|>)\s*\d[\d.,]*\s*(?=\??\s*$)",
    re.IGNORECASE,
)
# How a sample is taken is no part of the test's name: 'ultrasound-guided core biopsy', 'CT guided lung biopsy'.
_GUIDED = re.compile(r"\b(?:ultrasound|us|ct|mri|fluoroscop\w*|image|imaging|endoscopic\w*)[- ]guided\b", re.IGNORECASE)
# A reflex order names the test run if the first one calls for it: 'TSH with reflex to free T4' asks for both.
_REFLEX = re.compile(r"\bwith\s+reflex(?:\s+to)?\b", re.IGNORECASE)
# What a request asks to leave out is no part of its name: 'CT head without contrast', 'CBC w/o diff' (but an abdomen
# 'without preparation' is the French plain abdominal radiograph).
_WITHOUT = re.compile(
    r"\s*\bwithout\b(?!\s+preparation\b)(?:(?!\s+(?:show|reveal|demonstrate|say|read|come back)\b).)*",
    re.IGNORECASE,
)  # up to a question's verb: 'What did the CBC w/o diff show?'
SAMPLE_TESTS = frozenset({"culture", "gram_stain", "microscopy", "afb"})
"""Tests of a sample that, listed after a test of a named sample, are of that sample ('sputum stain and culture')."""
FLUID_ANALYTES = frozenset(
    {
        "glucose",
        "protein",
        "sodium",
        "potassium",
        "chloride",
        "creatinine",
        "osmolality",
        "wbc",
        "rbc",
        "lactate",
        "ldh",
    }
    | {"amylase", "albumin", "ph", "bilirubin", "calcium", "triglyceride", "cholesterol", "ada", "lipase", "bun"}
)
"""Analytes measured in urine and body fluids as in the blood: listed after another of a named sample, they are of that
sample ('CSF protein and glucose', 'urine osmolality and sodium')."""
DETERMINERS = frozenset({"the", "his", "her", "their", "its", "a", "an"})
"""Words before a noun that name no part of a test ('the culture', 'respiratory burst of his neutrophils')."""
BLOOD, URINE = "blood", "urine"
BARE_SPECIMENS = frozenset({"serum", "plasma", "blood", "whole", "urine", "csf", "stool", "random", "spot"})
"""Words that, as a part of their own after a comma, say the specimen of the test before them ('Lipase,
serum', 'Osmolality, urine'), as order-entry lists name tests."""


class RequestPart(NamedTuple):
    """One test a request names, and whether it follows a 'with' (a part of the test named before it:
    'arthrocentesis of the wrist with cell count')."""

    text: str
    after_with: bool
    sample: str = ""
    """the part after a comma read as this part's sample ('serum' of 'Osmolality, serum'), where one was."""


def asks_for_examination(words: Sequence[str], key: Key) -> bool:
    """Whether a request names the physical examination ('knee exam', 'examination of the chest') and
    no imaging: the table drops 'exam' as a qualifier, but it still says which kind of finding is meant."""
    return bool(EXAMINATION_WORDS.intersection(words) or EXAMINATION_WORDS & key.tokens) and not key.modality


def after_the_tag(request: str) -> str:
    """The test name the consultation would route to the reader, read by the doctor's action grammar
    (:func:`agents.protocol.parse_action`) where the request carries the simulator's tag ('The greasy scales suggest
    seborrhoeic dermatitis. REQUEST TEST: Skin scraping' -> 'Skin scraping'); the request itself otherwise."""
    action = parse_action(request)
    return action.name if isinstance(action, RequestTest) else request


def requested_test(request: str) -> str:
    """The test a request names, without the words asking for it or the reason it is wanted ('Could we
    get a serum lipase to rule out pancreatitis?' -> 'serum lipase'); the request itself when nothing
    would be left."""
    request = _EMPHASIS.sub("", request).strip() or request
    request = _OPENER.sub("", request) or request  # "Okay, I'd like to see the neck sonogram results."
    request = _PREFIX.sub("", request.strip()) or request  # 'REQUEST TEST: What did the biopsy show?': the question
    if _BULLETED.match(request):
        request = _BULLET.sub("; ", _BULLETED.sub("", request))  # '- CBC - CRP'
    request = _NUMBERED_ITEM.sub("; ", _PREFIX.sub("", request) or request)  # 'REQUEST TEST: 1. CBC 2. ESR'
    request = _GROUNDS_FIRST.sub("", _REASON_IN_BRACKETS.sub("", request) or request)
    if not _ASKING.match(request) and (grounds := _GROUNDS_BEFORE.match(request)) and _a_statement(grounds[0]):
        request = request[grounds.end() :]  # 'This looks cholestatic, so please get an ultrasound of the liver'
    if not _EXAMINING.search(request):  # 'Palpate the abdomen, especially the left lower quadrant': where, not what
        request = _SPECIFICALLY.sub(r" (\g<items>)", request)
    request = _WHEN_TAKEN.sub("", request)  # before a name's underscores are read: 'Vital_Signs_at_Presentation'
    request = _UNIT.sub("", request) or request
    request = request.replace("_", " ")  # 'Complete_Blood_Count_With_Differential': its words, as any other name
    request = _VERSUS.sub(" and ", _VIEW_RANGE.sub(r"\1", _BOTH_PHASES.sub("without", request)))
    request = _WITHOUT.sub("", _WITH_SHORT.sub("with ", _WITHOUT_SHORT.sub("without", request))) or request
    request = _REFLEX.sub("with", _ROUTINE_MICROSCOPY.sub("routine microscopy", _POSTURAL.sub("orthostatic", request)))
    request = _GROWTH.sub("", _MCS.sub("MCS", request))
    request = _BLOOD_IN.sub("urine blood", _GUIDED.sub("", _SIZE.sub("", _COMPARED.sub("", request))))
    request = _ARTICLE_AFTER_PREPOSITION.sub(r"\1 ", _DURATION.sub("", request) or request)
    request = _TRAILING_QUESTION.sub("", request) or request
    request = _PULSE_RATE.sub("pulse rate ", request)
    request = _BY_ROUTE.sub(lambda route: ROUTES[" ".join(route[0].lower().split())], request)
    request = _HAVE_A.sub("", _NERVE_RANGE.sub("", _CRANIAL_NERVES.sub("cranial nerves", request)))
    request = _REPORT_FINDINGS.sub(r"\g<what>", request)
    for shorthand, written_out in _SHORTHAND:
        request = shorthand.sub(written_out, request)
    request = _WHEN_PRESSED.sub(lambda pressed: f" {pressed['where'] or ''} on palpation", request)
    request = _SEEMS_LIKE.sub(_examined_by_sense, _LOOKS.sub("general appearance", request))
    if _HOW_FAST.match(request):
        request = "respiratory rate" if re.search(r"breath|respiration", request, re.IGNORECASE) else "heart rate"
    if asked := _RESULT_BEFORE.match(request):  # 'Was cocaine positive on the drug screen?', 'Was he positive for X?'
        request = asked["only"] or (
            f"{asked['what']} on the {asked['tested']}" if asked["tested"] else f"{asked['result']} {asked['test']}"
        )
    if showed := _SHOWED.match(request):
        shown = (showed["shown"] or "").strip(" ?.!")
        asked_for = showed["test"] and re.match(
            r"(?!(?:in|on|at|about|for|of|re|under|with|yet|anything|as)\b)(?!.*\bor\b)[a-z]", shown, re.IGNORECASE
        )
        named = f"{shown} on the {showed['test']}" if asked_for else ""  # 'Did the dipstick show nitrites?': them
        request = named or showed["test"] or f"{showed['grown'] or showed['growing']} culture"
    elif asked := _PROPERTY_ASKED.match(request):
        request = f"{asked['of']} {asked['property']}"
    core = _ASKING.sub(
        "", _ASKING_AFTER.sub("", _SERUM_SHORT.sub(_sample_written_out, _PREFIX.sub("", request.strip()))), count=1
    )
    core = _REASON.sub("", _ARTICLE.sub("", core, count=1), count=1).strip(" ?.!-")
    core = _ASKING_AFTER.sub("", core) or core  # 'ECHO pls ?PDA': the asking word before the query
    core = _ANY_RESULT.sub("", core) or core
    core = _BE_BEFORE_PLACE.sub("", core)  # 'How much protein is on the urine dipstick?'
    core = _HEADED_LIST.sub(r"\g<heading> (\g<items>)", core)
    core = _OBSERVATIONS.sub("vital signs", core)
    return core or request


def _examined_by_sense(asked: re.Match[str]) -> str:
    """'What does the rash look like?' asks for the rash's inspection, 'How do his lungs sound?' for their
    auscultation; 'How does the CT look?' for the CT, and 'How does the troponin look?' for the troponin."""
    key, table = concept_key(asked["what"]), name_table()
    a_lab_test = key.tokens & table.tests and not key.tokens & table.regions  # 'How does the troponin look?'
    method = "" if key.modality or key.specimen or a_lab_test else f"{SENSED_BY[asked['sense'].lower()]} of "
    return f"{method}{asked['what']}{asked['rest']}"


def _a_statement(clause: str) -> bool:
    """Whether a clause before the asking words states findings ('She's confused, so'), not a test it asks about
    ('BCs - what's the Gram stain?', 'fetal heart - can you pick it up on the Doppler?')."""
    return len(clause.split()) > MOST_WORDS_OF_A_NAME or _STATING.search(clause) is not None


_REMARK_IN_BRACKETS = re.compile(r"(?P<test>[^()]+?)\s*\((?P<remark>[^(),;/]+)\)")
"""A test and a remark on it in brackets after it (brackets listing tests are a gloss: 'Hemolysis labs (LDH,
haptoglobin)')."""
REMARK_WORDS = 3
"""The fewest words of a remark ('hemoglobin — she looks pale'): fewer name a part of the test before it ('Neuro exam -
sensation', 'Imaging - MRI Brain')."""


def named_with_a_remark(request: str) -> tuple[str, str] | None:
    """A test named before a dash or brackets and a remark of at least ``REMARK_WORDS`` words after it ('INR — the key
    marker of synthetic function here', 'serum creatinine (renal function before we decide on fluids)'), or None."""
    pieces = re.split(_DASH, request, maxsplit=1)
    if len(pieces) == 1 and (bracketed := _REMARK_IN_BRACKETS.fullmatch(request.strip())):
        pieces = [bracketed["test"], bracketed["remark"]]
    if len(pieces) != 2 or len(pieces[1].split()) < REMARK_WORDS:
        return None
    return pieces[0], pieces[1].strip()


def questions(request: str) -> list[str]:
    """The questions a request asks one after another ('Is her belly tender? Any guarding?'), each with its mark."""
    return [f"{question}?" for question in _QUESTION_BREAK.split(request.strip()) if question.strip(" ?")]


def hoped_result(request: str) -> str:
    """What a question added after a dash hopes to see ('urine microscopy - any RBCs?' -> 'RBCs'); empty when
    the request adds none."""
    question = _TRAILING_QUESTION.search(request)
    if not question:
        return ""
    return _ASKING_AFTER.sub("", question["hoped"]) or question["hoped"]  # 'CBC - is the white count elevated?'


def with_question_set_off(request: str) -> str:
    """A request whose question follows the test without a dash, written with one ('CXR any rib fracture?' -> 'CXR -
    rib fracture?'); the request itself where it asks none so."""
    asked = _QUESTION_AFTER_TEST.match(request)
    return f"{asked['test']} - {asked['hoped']}?" if asked else request


def tests_named_last(request: str) -> list[tuple[str, str]]:
    """A question whose test is named last, after 'on' or 'in' ('is there an obstructive pattern on spirometry?'): each
    (what it hopes to see, the test) split at such a word, the last one first; none for a request asking no question."""
    if not request.rstrip().endswith("?"):
        return []
    splits = list(_NAMED_LAST.finditer(request))
    return [(request[: split.start()], request[split.end() :].strip(" ?")) for split in reversed(splits)]


def on_the_dipstick(request: str) -> str:
    """A request for leukocytes on a urine dipstick written as what the strip measures ('leucocytes on dipstick' ->
    'leukocyte esterase on dipstick'); the request itself where it names no dipstick or already the esterase."""
    if not _DIPSTICK.search(request) or re.search(r"\besterase\b", request, re.IGNORECASE):
        return request
    return _LEUKOCYTES.sub("leukocyte esterase", request)


def request_parts(request: str) -> list[RequestPart]:
    """The tests a request lists, each marked when it follows a 'with'; a part naming only a specimen
    ('Osmolality, serum'), or after a comma only a sample or what a culture grows ('Culture, wound, aerobic'), is read
    with the part before it."""
    pieces = REQUEST_PARTS.split(_UREA_AND_ELECTROLYTES.sub("U_and_E", request))
    parts: list[RequestPart] = []
    after_with = False
    for number in range(0, len(pieces), 2):
        text = _LEADING_ARTICLE.sub("", pieces[number].strip())
        separator = pieces[number - 1].lower() if number else ""
        after_with = after_with or separator in PART_OF_THE_LAST
        if not text:
            continue
        if parts and _blood_in_the_urine(text, parts[-1].text):
            parts.append(RequestPart(f"{URINE} {text}", after_with))  # 'urine glucose and blood': the urine's blood
        elif parts and set(text.lower().split()) <= BARE_SPECIMENS:
            parts[-1] = RequestPart(f"{parts[-1].text} {text}", parts[-1].after_with)
        elif parts and separator == "," and _names_a_sample_only(text):
            parts[-1] = RequestPart(f"{parts[-1].text} {text}", parts[-1].after_with, text)
        else:
            parts.append(RequestPart(text, after_with))
    return parts


def _blood_in_the_urine(text: str, before: str) -> bool:
    """Whether 'blood' alone follows a result of the urine ('urine glucose and blood', 'urine protein, blood'): the
    dipstick's blood, a test of its own, not the sample of the test before ('Osmolality, urine and blood')."""
    first, *rest = before.split()
    return text.lower().split() == [BLOOD] and bool(rest) and concept_key(first).specimen == {URINE}


def _names_a_sample_only(text: str) -> bool:
    """Whether a part names only a specimen or what a culture grows ('wound', 'aerobic'), no test of its own."""
    key = concept_key(text)
    return bool(key.specimen or key.tokens) and key.tokens <= EXCLUSIVE_KINDS and not key.modality and not key.side


def _names_a_site(key: Key, specifiers: frozenset[str]) -> bool:
    """Whether a part names only where a study is of ('right hip'), not a test of its own."""
    return not key.modality and not key.specimen and bool(key.tokens or key.side) and key.tokens <= specifiers


def _names_no_site(key: Key, sites: frozenset[str]) -> bool:
    """Whether a part names a study but not where it is of ('Radiograph', 'Diagnostic mammogram', 'Fungal
    culture'); a blood panel is of no site ('CBC, thyroid': the thyroid tests, no thyroid's blood count)."""
    return (
        bool(key.modality or key.tokens)
        and not key.tokens & (sites | EXAMINATION_WORDS | name_table().panels.keys())  # 'CBC, thyroid': two tests
        and not key.side
    )


def _one_qualifying_word(part: str, following: str, specifiers: frozenset[str]) -> bool:
    """Whether a part is one word qualifying what the next part names, after the sample it is of where it names one:
    a specifier or a side ('direct' before 'bilirubin'), or a word the next part's last words make one name with
    ('red' before 'white cells': the red cells)."""
    *sample, last = part.split() or [""]
    key = concept_key(last)
    rest = following.split()[1:]
    if key.tokens & SAMPLE_TESTS or key.specimen and concept_key(following).modality:
        return False  # 'KOH and fungal culture', 'Urinalysis and scrotal ultrasound': a test of a sample of its own
    if key.tokens & name_table().lone_members:
        return False  # 'serum iron and transferrin saturation': the iron is a test of its own
    if not key.tokens <= specifiers and (key.tokens <= concept_key(" ".join([last, *rest])).tokens or not rest):
        return False
    if not sample:
        return True
    sample_key = concept_key(" ".join(sample))
    return not sample_key.tokens and bool(sample_key.specimen) and bool(key.tokens) and not key.has_facets


def spread_modality(parts: list[str], specifiers: frozenset[str], regions: frozenset[str]) -> list[str]:
    """'CT chest/abdomen' -> 'CT chest', 'CT abdomen': a part naming only a region takes the imaging of the
    part before it, and a part naming a study but no site, before one naming only a site, is read with it
    ('Radiograph, right hip' -> '', 'Radiograph right hip'; 'Bilirubin, total and direct' -> '', 'Bilirubin total',
    'Bilirubin direct'). 'Total and direct bilirubin' -> 'Total bilirubin',
    'direct bilirubin': a part of one word naming only a specifier or a side, before a part of several
    words, takes that part's last words, and gives the part its sample where it names one ('urine red and white
    cells' -> 'urine red cells', 'urine white cells'); a culture, stain or microscopy after a test of a named sample
    is of that sample ('sputum Gram stain and culture'). ``regions`` are the specifiers that name a site."""
    parts = list(parts)
    spread: list[str] = []
    modality = head = method = ""
    for number, part in enumerate(parts):
        if head and _names_a_site(concept_key(part), specifiers):
            part = f"{head} {part}"  # each site or specifier after the head is one study of it
        else:
            head = ""
        key = concept_key(part)
        next_key = concept_key(parts[number + 1]) if number + 1 < len(parts) else None
        if (
            not head
            and next_key is not None
            and _names_a_site(next_key, specifiers)
            and (next_key.tokens & regions or next_key.side or len(next_key.tokens) == 1)  # not 'rubella IgM'
            and (_names_no_site(key, regions) or next_key.tokens <= key.tokens)
        ):
            head = part  # 'Radiograph, right hip', 'Bilirubin, total and direct': the study named once for them
            spread.append("")
            continue
        if key.modality:
            modality = min(key.modality)
        elif modality and key.tokens and key.tokens <= specifiers:
            part = f"{modality} {part}"
        elif key.tokens & EXAMINATION_METHODS:
            method = min(key.tokens & EXAMINATION_METHODS)
        elif method and key.tokens and key.tokens <= regions:
            part = f"{method} {part}"  # 'palpate the lower back and hips': the hips palpated too
        elif not key.modality and number + 1 < len(parts):
            part = _shared_with_the_next(part, parts, number, specifiers)
        spread.append(part)
    return spread


def _shared_with_the_next(part: str, parts: list[str], number: int, specifiers: frozenset[str]) -> str:
    """A part (not imaging) and the part after it that share words: one qualifying word takes the next part's last
    words and gives it its sample ('urine red and white cells'), and a test of a named sample gives its sample to a
    culture, stain or microscopy after it ('sputum gram stain and culture'), and an analyte of a named sample to an
    analyte after it ('CSF protein and glucose'). The next part is rewritten in place."""
    following = parts[number + 1]
    key, following_key = concept_key(part), concept_key(following)
    if _one_qualifying_word(part, following, specifiers):
        words = [word for word in following.split() if word.lower() not in DETERMINERS]
        if len(words) > 1:
            sample = part.split()[:-1]
            if sample and not following_key.specimen:
                parts[number + 1] = f"{' '.join(sample)} {following}"
            return f"{part} {' '.join(words[1:])}"
    elif (
        key.specimen
        and not following_key.specimen
        and following_key.tokens
        and (following_key.tokens <= SAMPLE_TESTS or key.tokens and key.tokens | following_key.tokens <= FLUID_ANALYTES)
    ):
        if sample := [word for word in part.split() if concept_key(word).specimen]:
            parts[number + 1] = f"{' '.join(sample)} {following}"
    return part
