"""App-wide labels in English and Swedish: ``t(key)`` in the learner's language.

The language lives in ``st.session_state[LANGUAGE_KEY]`` (a plain value, not a widget's, so it is
kept even in a run where the sidebar is not drawn), set by the sidebar's language switch
(:func:`language_switch`). The switch is bound to the URL query parameter ``lang``, which
Streamlit fills with the option's label (``?lang=Svenska``); a link with ``?lang=sv`` or
``?lang=Svenska`` opens the app in Swedish.

Adding a label: one entry in :data:`LABELS` with a text per language. Texts may hold
``str.format`` fields (``t("sidebar.val_loss", nats=1.2, bits=1.7)``). Lesson content (texts,
quizzes, the lesson widgets' labels) lives in ``lessons/<language>/`` instead.

A radio or selectbox whose *option labels* are translated needs :func:`translated_choice`:
Streamlit's browser side remembers a choice by its label, so a plain widget would lose the
choice (or show it in the old language) when the language changes.

The library (``rnnlab``) speaks English only. Its sentences a learner meets (errors, warnings, the
built-in texts' descriptions) go through :func:`library_text`, which finds the Swedish for the ones
it knows; the charts take their words from :func:`loss_chart_texts` and :func:`distribution_chart_texts`.
"""

from __future__ import annotations

import re

import streamlit as st

from rnnlab.builtin_corpora import BUILTIN_CORPORA
from rnnlab.corpus import BINARY_MESSAGE, CP1252_WARNING, LATIN1_WARNING
from rnnlab.distribution_chart import DistributionChartTexts
from rnnlab.loss_chart import LossChartTexts

LANGUAGES = {"en": "English", "sv": "Svenska"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_KEY = "language"  # session-state key of the learner's language
SWITCH_KEY = "lang"  # the sidebar radio's key, and the query parameter it is bound to
LANGUAGE_NOTE_KEY = "_language_link_note"  # this run's unrecognised ``?lang=`` value, if any

LABELS: dict[str, dict[str, str]] = {
    # navigation
    "nav.home": {"en": "Home", "sv": "Hem"},
    "nav.lessons": {"en": "Lessons", "sv": "Lektioner"},
    "nav.train": {"en": "Train", "sv": "Träna"},
    "nav.generate": {"en": "Generate", "sv": "Generera"},
    # sidebar
    "sidebar.language": {"en": "Language · Språk", "sv": "Språk · Language"},
    "sidebar.current_model": {"en": "Current model", "sv": "Aktuell modell"},
    "sidebar.no_model": {
        "en": "No model yet: train one on the Train page.",
        "sv": "Ingen modell än. Träna en på sidan Träna.",
    },
    "sidebar.model_caption": {
        "en": "{cell} · hidden {hidden} · {layers} layer(s) · {parameters} parameters · {vocab} {level}",
        "sv": "{cell} · {hidden} dolda enheter · {layers} lager · {parameters} parametrar · {vocab} {level}",
    },
    "sidebar.val_loss": {
        "en": "validation loss {nats} nats = {bits} bits/token",
        "sv": "valideringsförlust {nats} nats = {bits} bit per token",
    },
    "sidebar.training": {"en": "Training {label}: {progress}", "sv": "Tränar {label}: {progress}"},
    "level.char": {"en": "char tokens", "sv": "tecken"},
    "level.word": {"en": "word tokens", "sv": "ord"},
    # home page
    "home.intro": {
        "en": "A **language model** reads text one token at a time and, at every step, guesses what comes "
        "next. Here you train a small one (a recurrent network: RNN, LSTM or GRU) on any text you like, "
        "watch it learn, and then see exactly **how it picks the next character**: greedy, sampled, "
        "with temperature, top-k and top-p.",
        "sv": "En **språkmodell** läser text ett tecken i taget och gissar hela tiden vad som kommer sedan. "
        "Här tränar du en egen liten modell (ett återkopplat nät: RNN, LSTM eller GRU) på vilken text du "
        "vill. Du ser den lära sig och sedan exakt **hur den väljer nästa tecken**: girigt, slumpmässigt, "
        "med temperatur, top-k och top-p.",
    },
    "home.try.text": {
        "en": "**Try it now: what comes next?** The shipped Shakespeare model's five most likely next "
        "characters after your text. Change the text and watch them change.",
        "sv": "**Prova direkt: vad kommer sedan?** De fem troligaste nästa tecknen efter din text, enligt "
        "Shakespearemodellen som följer med. Ändra texten och se dem ändras.",
    },
    "home.try.link": {"en": "See how one is picked", "sv": "Se hur ett av dem väljs"},
    "home.lessons.text": {
        "en": "New to language models? Start with nine short lessons, each with a live experiment on a "
        "real model and a question to check yourself.",
        "sv": "Ny på språkmodeller? Börja med nio korta lektioner. Varje lektion har ett experiment med en "
        "riktig modell och en fråga där du testar dig själv.",
    },
    "home.lessons.link": {"en": "Start the course", "sv": "Börja kursen"},
    "home.train.title": {"en": "1 · Train", "sv": "1 · Träna"},
    "home.train.text": {
        "en": "Upload a text, paste one or pick a built-in corpus. Press **Start** and watch the loss fall "
        "and the samples go from noise to words.",
        "sv": "Ladda upp en text, klistra in en eller välj en inbyggd. Tryck på **Start**. Se förlusten "
        "sjunka och exemplen gå från brus till ord.",
    },
    "home.train.link": {"en": "Train a model", "sv": "Träna en modell"},
    "home.generate.title": {"en": "2 · Generate", "sv": "2 · Generera"},
    "home.generate.text": {
        "en": "Start from a ready model trained on Shakespeare. Move the temperature slider and watch the "
        "probability bars of the next character change, next to greedy and sampled text.",
        "sv": "Börja med en färdig modell som har tränats på Shakespeare. Dra i temperaturreglaget och se "
        "staplarna för nästa tecken ändras, bredvid girig och slumpad text.",
    },
    "home.generate.link": {"en": "Generate text", "sv": "Generera text"},
    # lessons page
    "lessons.title": {"en": "Lessons: how a language model writes", "sv": "Lektioner: så skriver en språkmodell"},
    "lessons.intro": {
        "en": "Nine short lessons. Each has a live experiment on a real model and a question: "
        "commit to an answer first, then check it.",
        "sv": "Nio korta lektioner. I varje finns ett experiment med en riktig modell och en fråga. "
        "Bestäm dig för ett svar först, kontrollera sedan.",
    },
    "lessons.progress": {
        "en": "{answered} of {total} questions answered · {correct} correct",
        "sv": "{answered} av {total} frågor besvarade · {correct} rätt",
    },
    "lessons.choose": {"en": "Lesson", "sv": "Lektion"},
    "lessons.previous": {"en": "← Previous", "sv": "← Föregående"},
    "lessons.next": {"en": "Next →", "sv": "Nästa →"},
    "lessons.position": {"en": "Lesson {number} of {total}", "sv": "Lektion {number} av {total}"},
    "lessons.experiment": {"en": "Try it", "sv": "Prova själv"},
    "lessons.note.unknown_lesson": {
        "en": "`lesson={value}` in the link is not a lesson of this course, so lesson {number}, “{title}”, is shown.",
        "sv": "`lesson={value}` i länken är ingen lektion i kursen, så lektion {number}, ”{title}”, visas.",
    },
    "link.unknown_language": {
        "en": "`lang={value}` in the link is not a language of this app (en, sv), so it is shown in {language}.",
        "sv": "`lang={value}` i länken är inget språk som appen har (en, sv), så den visas på {language}.",
    },
    "language.name.en": {"en": "English", "sv": "engelska"},
    "language.name.sv": {"en": "Swedish", "sv": "svenska"},
    "quiz.heading": {"en": "Check yourself", "sv": "Testa dig själv"},
    "quiz.choose": {"en": "Your answer", "sv": "Ditt svar"},
    "quiz.check": {"en": "Check", "sv": "Kontrollera"},
    "quiz.pick_first": {"en": "Pick an answer first.", "sv": "Välj ett svar först."},
    "quiz.correct": {"en": "Correct!", "sv": "Rätt!"},
    "quiz.incorrect": {"en": "Not quite. The answer is: {answer}", "sv": "Inte riktigt. Rätt svar är: {answer}"},
    "quiz.try_again": {"en": "Try again", "sv": "Försök igen"},
    # words both pages use
    "unit.char": {"en": "character", "sv": "tecken"},
    "unit.word": {"en": "token", "sv": "token"},
    "units.char": {"en": "characters", "sv": "tecken"},
    "units.word": {"en": "tokens", "sv": "token"},
    # generate page
    "generate.title": {"en": "Generate: how the next character is picked", "sv": "Generera: så väljs nästa tecken"},
    "generate.no_model": {
        "en": "There is no model yet: train one on the Train page, or pick “{upload}” and load a checkpoint.",
        "sv": "Det finns ingen modell än. Träna en på sidan Träna, eller välj ”{upload}” och ladda upp en sparad "
        "modell.",
    },
    "generate.next_heading": {
        "en": "**What comes after “{token}”?** The next-{unit} probabilities",
        "sv": "**Vad kommer efter ”{token}”?** Sannolikheterna för nästa {unit}",
    },
    "generate.order": {
        "en": "The settings act in this order: (for word models: **never pick �**) → **repetition penalty** "
        "(rescales characters seen recently) → "
        "**temperature** (sharpens or flattens all bars) → **top-k** (keeps the k tallest) → **top-p** (keeps "
        "the tallest until they add up to p) → **min-p** (drops bars below min-p × the tallest) → then one "
        "token is drawn. Light bars: the model alone (T = 1); orange: after your settings; grey: removed. "
        "Outlined: the first token of the sampled text.",
        "sv": "Inställningarna verkar i den här ordningen: (för ordmodeller: **välj aldrig �**) → "
        "**upprepningsstraff** (skalar om tecken som nyss har "
        "förekommit) → **temperatur** (gör alla staplar skarpare eller plattare) → **top-k** (behåller de k "
        "högsta) → **top-p** (behåller de högsta tills de tillsammans blir p) → **min-p** (tar bort staplar "
        "under min-p × den högsta) → sedan dras en token. Ljusa staplar: modellen ensam (T = 1). Orange: efter "
        "dina inställningar. Grå: bortklippta. Inramad: den första token i den slumpade texten.",
    },
    "generate.greedy": {"en": "Greedy (always the tallest bar)", "sv": "Girig avkodning (alltid den högsta stapeln)"},
    "generate.greedy.caption": {
        "en": "Temperature and the cuts never change the tallest bar, so only the prompt and the repetition "
        "penalty change this text.",
        "sv": "Temperaturen och klippen ändrar aldrig vilken stapel som är högst. Bara prompten och "
        "upprepningsstraffet kan ändra den här texten.",
    },
    "generate.sampled": {"en": "Sampled (seed {seed})", "sv": "Slumpmässigt urval (frö {seed})"},
    "generate.sampled_same_draw": {
        "en": "Sampled (same random draw, seed {seed})",
        "sv": "Slumpmässigt urval (samma slumptal, frö {seed})",
    },
    "generate.sampled.caption": {
        "en": "Drawn from the orange bars at every step.",
        "sv": "Dras ur de orange staplarna i varje steg.",
    },
    "generate.beam": {"en": "Beam search (width {width})", "sv": "Strålsökning (bredd {width})"},
    "generate.beam.caption": {
        "en": "The most probable continuation beam search finds (no temperature or cuts).",
        "sv": "Den mest sannolika fortsättningen som strålsökningen hittar (utan temperatur och klipp).",
    },
    "generate.no_copy_check": {
        "en": "Copy detector: this model's training text is not available here, so verbatim copies are not "
        "checked. It is for models trained in this session and for models trained on a built-in text "
        "(the Zen of Python, Python source, English from the docs).",
        "sv": "Kopieringskollen: den här modellens träningstext finns inte här, så ordagranna kopior letas "
        "inte upp. Det går för modeller som du har tränat i den här sessionen och för modeller som har "
        "tränats på en inbyggd text (The Zen of Python, Pythonkod, engelska ur dokumentationen).",
    },
    "generate.unknown_token": {
        "en": "**�** is the unknown token: the vocabulary folds every rare word or symbol into this one token, "
        "so the model can only say “something rare goes here”. It shows up most at low temperature, "
        "because all the rare ones together are quite likely. Word models have a switch that keeps it out.",
        "sv": "**�** är den okända token. Ordförrådet slår ihop alla ovanliga ord eller tecken till just den "
        "här token, så modellen kan bara säga ”här kommer något ovanligt”. Den dyker oftast upp vid låg "
        "temperatur, eftersom alla ovanliga tillsammans är ganska troliga. Ordmodeller har en brytare som "
        "håller den borta.",
    },
    "generate.step_heading": {"en": "Step through the sampled text", "sv": "Stega genom den slumpade texten"},
    "generate.model": {"en": "Model", "sv": "Modell"},
    "generate.prompt": {"en": "Prompt", "sv": "Prompt"},
    "generate.length": {"en": "Length ({units})", "sv": "Längd ({units})"},
    "generate.temperature": {"en": "Temperature T (log scale)", "sv": "Temperatur T (logaritmisk skala)"},
    "generate.top_k": {"en": "Top-k (0 = off)", "sv": "Top-k (0 = av)"},
    "generate.top_p": {"en": "Top-p (1 = off)", "sv": "Top-p (1 = av)"},
    "generate.min_p": {"en": "Min-p (0 = off)", "sv": "Min-p (0 = av)"},
    "generate.repetition_penalty": {"en": "Repetition penalty (1 = off)", "sv": "Upprepningsstraff (1 = av)"},
    "generate.no_unknown": {"en": "Never pick � (a rare word)", "sv": "Välj aldrig � (ett ovanligt ord)"},
    "generate.seed": {"en": "Seed", "sv": "Frö"},
    "generate.same_draw": {"en": "Same random draw", "sv": "Samma slumptal"},
    "generate.beam_toggle": {"en": "Beam search", "sv": "Strålsökning"},
    "generate.beam_width": {"en": "Beam width", "sv": "Strålbredd"},
    "generate.step": {"en": "Position in the sampled text", "sv": "Plats i den slumpade texten"},
    "generate.force": {"en": "Force another token here", "sv": "Tvinga fram en annan token här"},
    "generate.as_drawn": {"en": "as drawn", "sv": "behåll den dragna"},
    "generate.help.model": {
        "en": "Which model predicts the next character. Pick a shipped one, one of your training runs, or "
        "upload a checkpoint saved from the Train page.",
        "sv": "Vilken modell som förutsäger nästa tecken. Välj en som följer med labbet, en av dina egna "
        "körningar, eller ladda upp en modell som du har sparat från sidan Träna.",
    },
    "generate.help.prompt": {
        "en": "The text the model reads first; it continues from its last character.",
        "sv": "Texten som modellen läser först. Den fortsätter från det sista tecknet.",
    },
    "generate.help.length": {
        "en": "How many characters (tokens) to generate after the prompt.",
        "sv": "Hur många tecken (token) som ska genereras efter prompten.",
    },
    "generate.help.temperature": {
        "en": "Divides the model's scores before the softmax. T < 1 sharpens the bars, T > 1 flattens them. "
        "T → 0 is greedy, T → ∞ is uniform noise.",
        "sv": "Delar modellens värden före softmax. T < 1 gör staplarna skarpare, T > 1 gör dem plattare. "
        "T → 0 är girig avkodning, T → ∞ är jämnt fördelat brus.",
    },
    "generate.help.top_k": {
        "en": "Keep only the k most likely tokens and renormalise. 0 = off, 1 = greedy.",
        "sv": "Behåll bara de k troligaste token och normera om. 0 = av, 1 = girig avkodning.",
    },
    "generate.help.top_p": {
        "en": "Nucleus sampling: keep the fewest most likely tokens whose probabilities add up to p. 1 = off.",
        "sv": "Kärnurval (nucleus sampling): behåll så få av de troligaste token som behövs för att "
        "sannolikheterna tillsammans ska bli p. 1 = av.",
    },
    "generate.help.min_p": {
        "en": "Drop every token less likely than min-p × the top token's probability. 0 = off.",
        "sv": "Ta bort alla token som är mindre troliga än min-p × den troligaste tokens sannolikhet. 0 = av.",
    },
    "generate.help.repetition_penalty": {
        "en": "Makes characters seen in the last 64 tokens less likely (above 1) or more likely (below 1). "
        "1 = off. With the � switch of word models, the only setting that changes greedy output.",
        "sv": "Gör tecken som förekommit bland de senaste 64 token mindre troliga (över 1) eller troligare "
        "(under 1). 1 = av. Tillsammans med �-brytaren för ordmodeller den enda inställningen som ändrar "
        "den giriga texten.",
    },
    "generate.help.no_unknown": {
        "en": "A word model knows only its most common words; every other word became the one token �. "
        "Together they are common, so the model often predicts �. On: � is removed before anything else "
        "(its bar turns grey) and the other words share its probability. Off: you see what the model "
        "really predicts.",
        "sv": "En ordmodell kan bara sina vanligaste ord; alla andra ord blev en och samma token, �. "
        "Tillsammans är de vanliga, så modellen gissar ofta på �. På: � tas bort före allt annat (stapeln "
        "blir grå) och de andra orden delar på dess sannolikhet. Av: du ser vad modellen verkligen gissar.",
    },
    "generate.help.seed": {
        "en": "Starts the random number generator: the same seed and settings give the same sampled text.",
        "sv": "Startvärdet för slumpgeneratorn. Samma frö och samma inställningar ger samma slumpade text.",
    },
    "generate.help.same_draw": {
        "en": "Use one fixed random number u per step (from the seed) and pick the token where u falls on the "
        "cumulative distribution: change T or k and watch the same draw land on another token.",
        "sv": "Använd ett fast slumptal u i varje steg (från fröet) och välj den token där u hamnar i den "
        "kumulativa fördelningen. Ändra T eller k och se samma dragning landa på en annan token.",
    },
    "generate.help.beam": {
        "en": "Also show beam search: keep the few most probable continuations at every step.",
        "sv": "Visa också strålsökning (beam search): behåll de få mest sannolika fortsättningarna i varje steg.",
    },
    "generate.help.beam_width": {
        "en": "How many continuations beam search keeps; 1 would be greedy.",
        "sv": "Hur många fortsättningar strålsökningen behåller. Med 1 blir det girig avkodning.",
    },
    "generate.help.step": {
        "en": "Pick a position of the sampled text to see the distribution the model had there.",
        "sv": "Välj en plats i den slumpade texten och se vilken fördelning modellen hade där.",
    },
    "generate.help.force": {
        "en": "Replace the token drawn at this step by another one and watch the text branch.",
        "sv": "Byt ut token som drogs i det här steget mot en annan och se texten ta en ny väg.",
    },
    "generate.note.not_a_number": {
        "en": "`{param}` in the link is not a number, so the default is used.",
        "sv": "`{param}` i länken är inget tal, så standardvärdet används.",
    },
    "generate.note.outside": {
        "en": "`{param}` in the link is outside {low}–{high}, so it is set to {value}.",
        "sv": "`{param}` i länken ligger utanför {low}–{high}, så värdet blir {value}.",
    },
    "generate.note.not_whole": {
        "en": "`{param}` in the link is not a whole number, so it is set to {value}.",
        "sv": "`{param}` i länken är inget heltal, så värdet blir {value}.",
    },
    "generate.note.temperature_not_a_number": {
        "en": "`{param}` in the link is not a number, so T = 1 is used.",
        "sv": "`{param}` i länken är inget tal, så T = 1 används.",
    },
    "generate.note.temperature_stop": {
        "en": "`{param}` in the link is not a stop on the slider, so the nearest one, {value}, is used.",
        "sv": "`{param}` i länken finns inte på reglaget, så det närmaste steget, {value}, används.",
    },
    "generate.note.not_a_toggle": {
        "en": "`{param}` in the link is neither true nor false, so it is ignored.",
        "sv": "`{param}` i länken är varken true eller false, så det hoppas över.",
    },
    "generate.note.long_prompt": {
        "en": "The prompt in the link is longer than {count} characters, so it is cut there.",
        "sv": "Prompten i länken är längre än {count} tecken, så den kortas av där.",
    },
    "generate.note.unavailable": {
        "en": "`{param}` in the link is not available here, so it is ignored.",
        "sv": "`{param}` i länken finns inte här, så det hoppas över.",
    },
    "generate.note.clamped": {
        "en": "{key} {value} is outside {low}–{high} for this model, so it is set to {new}.",
        "sv": "{key} {value} ligger utanför {low}–{high} för den här modellen, så värdet blir {new}.",
    },
    "generate.upload": {"en": "Checkpoint saved by Char-RNN Lab", "sv": "Modellfil sparad av Char-RNN Lab"},
    "generate.upload.help": {"en": "Only .safetensors files.", "sv": "Bara .safetensors-filer."},
    "generate.upload.keeps": {
        "en": "Until a checkpoint loads, the page keeps using **{label}**.",
        "sv": "Tills en modellfil har laddats fortsätter sidan att använda **{label}**.",
    },
    "generate.card.title": {"en": "About this model: {label}", "sv": "Om modellen: {label}"},
    "generate.card": {
        "en": "{cell} · hidden {hidden} · {layers} layer(s) · {vocab} {level} · trained on {corpus}",
        "sv": "{cell} · {hidden} dolda enheter · {layers} lager · {vocab} {level} · tränad på {corpus}",
    },
    "generate.card.val_loss": {"en": " · validation loss {nats} nats", "sv": " · valideringsförlust {nats} nats"},
    "generate.card.unknown_text": {"en": "unknown text", "sv": "okänd text"},
    "generate.prompt.empty": {
        "en": "The prompt is empty, so the model starts as if after a line break.",
        "sv": "Prompten är tom, så modellen börjar som efter en radbrytning.",
    },
    "generate.prompt.unknown_one": {
        "en": "This model has never seen {tokens} in its training text: the prompt reads it as the unknown token �.",
        "sv": "Modellen har aldrig sett {tokens} i sin träningstext, så prompten läser det som den okända token �.",
    },
    "generate.prompt.unknown_many": {
        "en": "This model has never seen {tokens} in its training text: the prompt reads them as the unknown token �.",
        "sv": "Modellen har aldrig sett {tokens} i sin träningstext, så prompten läser dem som den okända token �.",
    },
    "generate.entropy": {"en": "Entropy", "sv": "Entropi"},
    "generate.entropy.value": {"en": "{bits} bits", "sv": "{bits} bit"},
    "generate.entropy.help": {
        "en": "How uncertain the choice is: 0 bits = certain; log2(V) = every token equally likely.",
        "sv": "Hur osäkert valet är: 0 bit = helt säkert, log2(V) = alla token lika troliga.",
    },
    "generate.vs_model": {"en": "{delta} vs the model", "sv": "{delta} mot modellen"},
    "generate.choices": {"en": "Effective choices", "sv": "Effektiva val"},
    "generate.choices.help": {
        "en": "2^entropy: as uncertain as a fair pick among this many tokens.",
        "sv": "2^entropin: lika osäkert som ett rättvist val bland så här många token.",
    },
    "generate.kept": {"en": "Tokens left", "sv": "Token kvar"},
    "generate.kept.value": {"en": "{kept} of {size}", "sv": "{kept} av {size}"},
    "generate.kept.help": {
        "en": "Tokens the cuts (top-k, top-p, min-p) left in; the rest have probability 0.",
        "sv": "Token som klippen (top-k, top-p, min-p) lämnade kvar. Resten har sannolikheten 0.",
    },
    "generate.count.char.one": {"en": "{count} character", "sv": "{count} tecken"},
    "generate.count.char": {"en": "{count} characters", "sv": "{count} tecken"},
    "generate.count.word.one": {"en": "{count} token", "sv": "{count} token"},
    "generate.count.word": {"en": "{count} tokens", "sv": "{count} token"},
    "generate.greedy_loop": {
        "en": "Greedy output fell into a loop of {cycle} (“{text}”, {repeats}× at the end, highlighted in yellow).",
        "sv": "Den giriga texten har fastnat i en slinga på {cycle} (”{text}”, {repeats}× i slutet, markerad i gult).",
    },
    "generate.loop": {
        "en": "This output ends in a loop of {cycle} (yellow).",
        "sv": "Texten slutar i en slinga på {cycle} (gult).",
    },
    "generate.copy": {
        "en": "{count} characters copied verbatim from the training text (underlined in blue).",
        "sv": "{count} tecken är ordagrant kopierade från träningstexten (understrukna i blått).",
    },
    "generate.surprise": {
        "en": "Model's surprise: {bits} bits per {unit} (lower = more probable to the model).",
        "sv": "Modellens överraskning: {bits} bit per {unit} (lägre = mer sannolikt enligt modellen).",
    },
    "generate.step_summary": {
        "en": "At position **{position}** the model drew **{token}** with probability **{probability}** after "
        "your settings (the model alone gave it {original}).",
        "sv": "På plats **{position}** drog modellen **{token}** med sannolikheten **{probability}** efter dina "
        "inställningar (modellen ensam gav {original}).",
    },
    "generate.step_summary.u": {
        "en": " The fixed random number here was u = {u}.",
        "sv": " Det fasta slumptalet här var u = {u}.",
    },
    "generate.as_drawn.heading": {
        "en": "**As drawn** ({token} at position {position})",
        "sv": "**Som den drogs** ({token} på plats {position})",
    },
    "generate.branched.heading": {
        "en": "**Branched** ({token} forced at position {position})",
        "sv": "**Ny gren** ({token} framtvingad på plats {position})",
    },
    "generate.branch.caption": {
        "en": "Both texts use the same random numbers after the forced step: everything that differs comes from "
        "the one token you changed.",
        "sv": "Båda texterna använder samma slumptal efter det framtvingade steget. Allt som skiljer dem åt "
        "kommer från den enda token du ändrade.",
    },
    "generate.branch.removed": {
        "en": " Your settings had removed this token: forcing it overrides the cuts.",
        "sv": " Dina inställningar hade klippt bort den här token, men när du tvingar fram den gäller inte klippen.",
    },
    # train page
    "train.title": {"en": "Train a model", "sv": "Träna en modell"},
    "train.intro": {
        "en": "A recurrent network reads your text one character at a time and learns to guess the next one: "
        "pick a text, press **Start**, and watch its guesses go from noise to words.",
        "sv": "Ett återkopplat nät läser din text ett tecken i taget och lär sig gissa nästa. Välj en text, "
        "tryck på **Start** och se gissningarna gå från brus till ord.",
    },
    "train.text.heading": {"en": "1 · Text", "sv": "1 · Text"},
    "train.text.source": {"en": "Where does the text come from?", "sv": "Var kommer texten ifrån?"},
    "train.source.builtin": {"en": "Built-in text", "sv": "Inbyggd text"},
    "train.source.upload": {"en": "Upload a .txt file", "sv": "Ladda upp en .txt-fil"},
    "train.source.paste": {"en": "Paste text", "sv": "Klistra in text"},
    "train.reading": {"en": "Reading {title}...", "sv": "Läser {title} …"},
    "train.upload.help": {
        "en": "Plain text, up to 5 MB. UTF-8 is best; other encodings are guessed.",
        "sv": "Ren text, högst 5 MB. UTF-8 är bäst. Andra teckenkodningar gissar appen sig fram till.",
    },
    "train.upload.empty": {
        "en": "Choose a plain-text file: a book, song lyrics, your own notes...",
        "sv": "Välj en textfil: en bok, sångtexter, dina egna anteckningar …",
    },
    "train.paste.placeholder": {
        "en": "Paste a few pages of text here (the more, the better).",
        "sv": "Klistra in några sidor text här. Ju mer, desto bättre.",
    },
    "train.paste.empty": {
        "en": "Paste some text above, then press Ctrl+Enter (or click outside the box).",
        "sv": "Klistra in text ovanför och tryck sedan Ctrl+Enter (eller klicka utanför rutan).",
    },
    "train.paste.name": {"en": "pasted text", "sv": "inklistrad text"},
    "train.count.chars": {"en": "**{count}** characters", "sv": "**{count}** tecken"},
    "train.count.symbols": {"en": "**{count}** distinct symbols", "sv": "**{count}** olika symboler"},
    "train.count.words": {
        "en": "**{count}** tokens (words and punctuation marks)",
        "sv": "**{count}** token (ord och skiljetecken)",
    },
    "train.count.vocab.char": {"en": "vocabulary of **{count}** symbols", "sv": "ordförråd på **{count}** symboler"},
    "train.count.vocab.word": {"en": "vocabulary of **{count}** tokens", "sv": "ordförråd på **{count}** token"},
    "train.vocab.help": {
        "en": "The vocabulary is every token the model can predict, plus {unknown} standing for the rare ones "
        "left out.",
        "sv": "Ordförrådet är alla token som modellen kan förutsäga, plus {unknown}, som står för de ovanliga "
        "som inte fick plats.",
    },
    "train.preview": {
        "en": "Preview of **{name}** (first {count} characters):",
        "sv": "Så börjar **{name}** (de första {count} tecknen):",
    },
    "train.folded": {
        "en": "{folded} rare symbols ({occurrences} occurrences) are folded into {unknown}: the model treats "
        "them all as one unknown symbol.",
        "sv": "{folded} ovanliga symboler ({occurrences} förekomster) slås ihop till {unknown}. Modellen ser "
        "dem alla som en och samma okända symbol.",
    },
    "train.use_seq_len": {"en": "Use sequence length {seq_len}", "sv": "Använd sekvenslängd {seq_len}"},
    "train.settings.heading": {"en": "2 · Settings", "sv": "2 · Inställningar"},
    "train.preset.quick": {"en": "Quick demo (20 s)", "sv": "Snabb demo (20 s)"},
    "train.preset.better": {"en": "Better (2 min)", "sv": "Bättre (2 min)"},
    "train.preset.help": {
        "en": "Set all the settings below to a tried recipe (the text stays as it is).",
        "sv": "Ställer in allt nedanför efter ett beprövat recept. Texten ändras inte.",
    },
    "train.level": {"en": "Tokens", "sv": "Token"},
    "train.level.char": {"en": "Characters", "sv": "Tecken"},
    "train.level.word": {"en": "Words", "sv": "Ord"},
    "train.level.help": {
        "en": "What the model reads and predicts: one character at a time (it must learn to spell) or one "
        "word or punctuation mark at a time (needs a longer text).",
        "sv": "Vad modellen läser och förutsäger: ett tecken i taget (då måste den lära sig stava) eller ett "
        "ord eller skiljetecken i taget (då behövs en längre text).",
    },
    "train.cell": {"en": "Cell", "sv": "Celltyp"},
    "train.cell.help": {
        "en": "The recurrent unit that carries a memory from one token to the next. A plain RNN forgets "
        "quickly; LSTM and GRU have gates that decide what to keep, so they remember longer.",
        "sv": "Den återkopplade enheten som bär ett minne från en token till nästa. En vanlig RNN glömmer "
        "snabbt. LSTM och GRU har grindar som avgör vad som ska sparas, så de minns längre.",
    },
    "train.hidden_size": {"en": "Hidden size", "sv": "Dolda enheter"},
    "train.hidden_size.help": {
        "en": "How many numbers the memory holds. Bigger learns more, but is slower.",
        "sv": "Hur många tal minnet rymmer. Fler lär sig mer, men träningen går långsammare.",
    },
    "train.seq_len": {"en": "Sequence length", "sv": "Sekvenslängd"},
    "train.seq_len.help": {
        "en": "How many tokens the model reads in one go during training: the longest pattern it is shown at once.",
        "sv": "Hur många token modellen läser i ett svep under träningen, alltså det längsta mönster den får "
        "se på en gång.",
    },
    "train.learning_rate": {"en": "Learning rate", "sv": "Inlärningstakt"},
    "train.learning_rate.help": {
        "en": "How big a step the weights take after each batch (log scale). Too small: slow. Too large: the "
        "loss jumps around or training diverges.",
        "sv": "Hur stort steg vikterna tar efter varje batch (logaritmisk skala). För litet: det går "
        "långsamt. För stort: förlusten hoppar runt eller så spårar träningen ur.",
    },
    "train.num_layers": {"en": "Layers", "sv": "Lager"},
    "train.num_layers.help": {
        "en": "Recurrent layers stacked on top of each other. One is enough to start.",
        "sv": "Återkopplade lager staplade på varandra. Ett räcker gott till att börja med.",
    },
    "train.batch_size": {"en": "Batch size", "sv": "Batchstorlek"},
    "train.batch_size.help": {
        "en": "How many pieces of text are read side by side in one step. Bigger batches give smoother but "
        "slower steps.",
        "sv": "Hur många textbitar som läses sida vid sida i ett steg. Större batcher ger jämnare men "
        "långsammare steg.",
    },
    "train.max_seconds": {"en": "Time budget (seconds)", "sv": "Tidsbudget (sekunder)"},
    "train.max_seconds.help": {
        "en": "Training stops after this much training time (pauses do not count).",
        "sv": "Träningen slutar efter så här lång tid. Pauser räknas inte.",
    },
    "train.controls.heading": {"en": "3 · Train", "sv": "3 · Träna"},
    "train.preparing": {
        "en": "Preparing the text and building the model...",
        "sv": "Förbereder texten och bygger modellen …",
    },
    "train.too_big": {
        "en": "This model is too big to train here: it would need {needs}. "
        "Choose a smaller hidden size, batch or sequence length, or fewer layers.",
        "sv": "Modellen är för stor för att tränas här: den skulle behöva {needs}. "
        "Välj färre dolda enheter, en mindre batch, kortare sekvenser eller färre lager.",
    },
    "train.too_big.memory_mb": {
        "en": "about {needed} MB of memory (this server allows {allowed})",
        "sv": "ungefär {needed} MB minne (servern tillåter {allowed})",
    },
    "train.too_big.gflop": {
        "en": "about {needed} billion operations per step (this server allows {allowed}, about a second)",
        "sv": "ungefär {needed} miljarder räkneoperationer per steg (servern tillåter {allowed}, ungefär en sekund)",
    },
    "train.too_big.and": {"en": " and ", "sv": " och "},
    "train.preparing_step": {
        "en": "Preparing the text and building the model and taking one step...",
        "sv": "Förbereder texten, bygger modellen och tar ett steg …",
    },
    "train.start": {"en": "Start", "sv": "Start"},
    "train.start.help": {
        "en": "Build a new model with these settings and train it.",
        "sv": "Bygg en ny modell med de här inställningarna och träna den.",
    },
    "train.pause": {"en": "Pause", "sv": "Pausa"},
    "train.resume": {"en": "Resume", "sv": "Fortsätt"},
    "train.stop": {"en": "Stop", "sv": "Stoppa"},
    "train.stop.help": {
        "en": "Stop training; the model keeps what it learned so far.",
        "sv": "Avbryt träningen. Modellen behåller det den har lärt sig hittills.",
    },
    "train.step": {"en": "Step once", "sv": "Ett steg"},
    "train.step.help": {
        "en": "Train on exactly one batch, then wait: watch one step at a time.",
        "sv": "Träna på exakt en batch och vänta sedan. Följ träningen ett steg i taget.",
    },
    "train.state.ready": {"en": "ready", "sv": "redo"},
    "train.state.queued": {"en": "queued", "sv": "i kö"},
    "train.state.running": {"en": "training", "sv": "tränar"},
    "train.state.paused": {"en": "paused", "sv": "pausad"},
    "train.state.finished": {"en": "finished", "sv": "klar"},
    "train.state.stopped": {"en": "stopped", "sv": "stoppad"},
    "train.state.diverged": {"en": "diverged", "sv": "spårade ur"},
    "train.state.failed": {"en": "failed", "sv": "misslyckades"},
    "train.state.elsewhere": {"en": "training on another server", "sv": "tränar på en annan server"},
    "train.eta": {"en": "ETA {duration}", "sv": "{duration} kvar"},
    "train.queue": {
        "en": "{place} in the queue · the server trains a few runs at a time; yours starts next",
        "sv": "{place} i kön · servern tränar några körningar åt gången, och din står på tur",
    },
    "train.not_saved": {
        "en": "This run could not be saved on the server ({error}); download the model to keep it.",
        "sv": "Körningen kunde inte sparas på servern ({error}). Ladda ner modellen om du vill behålla den.",
    },
    "train.starting": {"en": "starting", "sv": "startar"},
    "train.speed": {"en": "{count} chars/s", "sv": "{count} tecken/s"},
    "train.step_number": {"en": "step {step}", "sv": "steg {step}"},
    "train.val_loss": {"en": "Validation loss", "sv": "Valideringsförlust"},
    "train.val_loss.help": {
        "en": "Cross-entropy on text the model never trains on (lower is better); the change is since the "
        "previous evaluation.",
        "sv": "Korsentropin på text som modellen aldrig tränar på (lägre är bättre). Ändringen räknas från "
        "förra utvärderingen.",
    },
    "train.bits_per_char": {"en": "Bits per character", "sv": "Bit per tecken"},
    "train.bits_per_char.help": {
        "en": "How many yes/no questions the model needs, on average, to guess the next character.",
        "sv": "Hur många ja/nej-frågor modellen i snitt behöver för att gissa nästa tecken.",
    },
    "train.steps": {"en": "Steps", "sv": "Steg"},
    "train.learning_rate_now": {"en": "Learning rate now", "sv": "Inlärningstakt nu"},
    "train.learning_rate_now.help": {"en": "It warms up, then decays.", "sv": "Den ökar först och avtar sedan."},
    "train.chart.x": {"en": "x axis", "sv": "x-axel"},
    "train.chart.x.step": {"en": "steps", "sv": "steg"},
    "train.chart.x.seconds": {"en": "seconds", "sv": "sekunder"},
    "train.chart.unit": {"en": "Loss in", "sv": "Förlust i"},
    "train.chart.unit.nats": {"en": "nats", "sv": "nats"},
    "train.chart.unit.bits": {"en": "bits", "sv": "bit"},
    "train.chart.unit.perplexity": {"en": "perplexity", "sv": "perplexitet"},
    "train.chart.unit.help": {
        "en": "nats: natural log; bits: log base 2 (bits per character at character level); perplexity: as "
        "unsure as a choice between this many equally likely tokens.",
        "sv": "nats: naturlig logaritm. bit: logaritm med basen 2 (bit per tecken på teckennivå). "
        "perplexitet: lika osäker som ett val mellan så här många lika troliga token.",
    },
    "train.chart.references": {"en": "Reference lines", "sv": "Referenslinjer"},
    "train.chart.references.help": {
        "en": "What simple counting gets: the loss to beat.",
        "sv": "Vad enkel räkning klarar: förlusten som modellen ska slå.",
    },
    "train.chart.overlay": {"en": "Compare with earlier runs", "sv": "Jämför med tidigare körningar"},
    "train.chart.overlay.placeholder": {
        "en": "Pick runs to overlay their curves",
        "sv": "Välj körningar vars kurvor ska läggas ovanpå",
    },
    "train.chart.legend": {
        "en": "Solid line: training loss (smoothed); dashed line with dots: validation loss. Grey dashed lines "
        "are what simple counting gets on the validation text: **uniform** guesses every symbol equally "
        "(ln V), **unigram** knows how common each symbol is, **bigram** also looks at the previous symbol. "
        "Below the bigram line, the model uses more context than one symbol.",
        "sv": "Heldragen linje: träningsförlust (utjämnad). Streckad linje med punkter: valideringsförlust. "
        "De grå streckade linjerna visar vad enkel räkning klarar på valideringstexten: **jämn** gissning "
        "ger alla symboler samma chans (ln V), **unigram** vet hur vanlig varje symbol är och **bigram** "
        "tittar också på symbolen före. Under bigramlinjen använder modellen mer sammanhang än en enda symbol.",
    },
    "train.samples.heading": {"en": "What the model writes", "sv": "Vad modellen skriver"},
    "train.samples.step": {"en": "Samples after step", "sv": "Exempel efter steg"},
    "train.samples.step.help": {
        "en": "Look back at what the model wrote earlier: noise first, then letters, words... Move it to the "
        "right end to follow the newest samples again.",
        "sv": "Titta tillbaka på vad modellen skrev tidigare: först brus, sedan bokstäver, ord … Dra reglaget "
        "längst till höger för att följa de nyaste exemplen igen.",
    },
    "train.samples.greedy": {
        "en": "Greedy: always the most likely next {token} (step {step})",
        "sv": "Girig avkodning: modellen väljer alltid det mest troliga som nästa {token} (steg {step})",
    },
    "train.samples.sampled": {
        "en": "Sampled at temperature 0.8: drawn at random from the model's probabilities",
        "sv": "Slumpmässigt urval vid temperatur 0,8: dras slumpvis enligt modellens sannolikheter",
    },
    "train.live.empty": {
        "en": "Press **Start**: the loss chart and the model's first attempts at writing appear here.",
        "sv": "Tryck på **Start**. Här dyker förlustkurvan och modellens första skrivförsök upp.",
    },
    "train.results.heading": {"en": "4 · Use the model", "sv": "4 · Använd modellen"},
    "train.results.run": {"en": "Run", "sv": "Körning"},
    "train.results.explore": {"en": "Explore in Generate", "sv": "Utforska i Generera"},
    "train.results.download": {"en": "Download the model", "sv": "Ladda ner modellen"},
    "train.results.download.help": {
        "en": "The weights and the vocabulary in one .safetensors file (no pickle): load it on the Generate "
        "page or with `python -m rnnlab generate`.",
        "sv": "Vikterna och ordförrådet i en enda .safetensors-fil (ingen pickle). Ladda den på sidan "
        "Generera eller med `python -m rnnlab generate`.",
    },
    "train.results.saved": {
        "en": "Your runs are saved on the server: this page's address brings them back after a refresh, and "
        "anyone with the link can open them: `{link}`",
        "sv": "Dina körningar sparas på servern. Sidans adress tar fram dem igen efter en omladdning, och alla "
        "som har länken kan öppna dem: `{link}`",
    },
    "train.results.all_runs": {
        "en": "All {count} runs of this session",
        "sv": "Alla {count} körningar i den här sessionen",
    },
    "train.table.run": {"en": "run", "sv": "körning"},
    "train.table.state": {"en": "state", "sv": "läge"},
    "train.table.steps": {"en": "steps", "sv": "steg"},
    "train.table.seconds": {"en": "seconds", "sv": "sekunder"},
    "train.table.val_loss": {"en": "val loss (nats)", "sv": "valideringsförlust (nats)"},
    "train.table.bits": {"en": "bits/char", "sv": "bit/tecken"},
}


def current_language() -> str:
    """The learner's language code: the one chosen in this session, else ``?lang=``, else English."""
    language = st.session_state.get(LANGUAGE_KEY)
    if language in LANGUAGES:
        return language
    return parse_language(st.query_params.get(SWITCH_KEY)) or DEFAULT_LANGUAGE


def parse_language(value: str | None) -> str | None:
    """The language code for a code or a name, in any case ("sv", "Svenska"); None if unknown."""
    if not value:
        return None
    wanted = value.strip().lower()
    return next((code for code, name in LANGUAGES.items() if wanted in (code, name.lower())), None)


def t(key: str, **values) -> str:
    """The label ``key`` in the current language (English if it has no translation), formatted with ``values``."""
    texts = LABELS[key]
    text = texts.get(current_language()) or texts[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text


def labels(prefix: str, options) -> dict:
    """``{option: t(prefix + "." + option)}``: option labels for a ``format_func``, made once, in the
    language of this run (a ``format_func`` may be called again after the run, e.g. by AppTest)."""
    return {option: t(f"{prefix}.{option}") for option in options}


def ordinal(n: int) -> str:
    """A place in a row as the language writes it: 1st, 2nd, 11th, 21st / 1:a, 2:a, 3:e, 11:e, 21:a."""
    if current_language() == "sv":
        return f"{n}:a" if n % 10 in (1, 2) and n % 100 not in (11, 12) else f"{n}:e"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def number(value: float, spec: str = ",") -> str:
    """``format(value, spec)`` as the language writes numbers: 1,234.5 / 1 234,5.

    A percent spec (``".1%"``) gives 7.5% in English and 7,5 % in Swedish (a no-break space before %).
    Every number a page or a lesson shows goes through here.
    """
    text = format(value, spec)
    if current_language() != "sv":
        return text
    if text.endswith("%"):
        return _swedish_digits(text[:-1]) + "\u00a0%"
    return _swedish_digits(text)


# The words of the shipped models' titles (their cards' headings, "Shakespeare · characters · LSTM"),
# part by part, in Swedish; a part not listed (a cell name, a proper name) stays as it is.
SWEDISH_TITLE_WORDS: dict[str, str] = {
    "characters": "tecken",
    "words": "ord",
    "US baby names": "Amerikanska förnamn",
    "Python source": "Pythonkod",
    "The Zen of Python, memorised": "The Zen of Python, utantill",
}


def model_title(title: str) -> str:
    """A shipped model's title in the learner's language: "Shakespeare · characters · LSTM" /
    "Shakespeare · tecken · LSTM". Only whole known parts between " · " change."""
    if current_language() != "sv":
        return title
    return " · ".join(SWEDISH_TITLE_WORDS.get(part, part) for part in title.split(" · "))


def language_switch() -> str:
    """The language radio (in the current container), bound to ``?lang=``; returns the language code.

    A link's ``?lang=`` that names no language is dropped by the radio (it shows the language used
    instead); :func:`language_link_note` says so on the page of the same run.
    """
    wanted = st.query_params.get(SWITCH_KEY)
    st.session_state[LANGUAGE_NOTE_KEY] = wanted if wanted and parse_language(wanted) is None else None
    language = current_language()
    st.session_state[LANGUAGE_KEY] = st.session_state[SWITCH_KEY] = language

    def keep() -> None:
        st.session_state[LANGUAGE_KEY] = st.session_state[SWITCH_KEY]

    st.radio(
        t("sidebar.language"),
        list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key=SWITCH_KEY,
        on_change=keep,
        horizontal=True,
        bind="query-params",
    )
    return language


def language_link_note() -> str | None:
    """In the run where a link's ``?lang=`` was not a language: a sentence saying so and which one is
    used (for an ``st.info`` on the page); else None."""
    wanted = st.session_state.get(LANGUAGE_NOTE_KEY)
    if not wanted:
        return None
    return t("link.unknown_language", value=wanted, language=t(f"language.name.{current_language()}"))


def translated_choice(widget, label: str, options, *, key: str, format_func, default=None, on_change=None, **kwargs):
    """``widget`` (``st.radio`` or ``st.selectbox``) with translated option labels that keeps its choice.

    The widget gets one key per language (``f"{key}.{language}"``); the choice itself is kept under
    ``key`` in session state, the same in every language. So it survives a language switch and a
    visit to another page, and a callback can move it by setting ``st.session_state[key]``.
    Missing, it is ``default`` (None: nothing chosen, with ``index=None``).
    """
    widget_key = f"{key}.{current_language()}"
    st.session_state[widget_key] = st.session_state.get(key, default)

    def keep() -> None:
        st.session_state[key] = st.session_state[widget_key]
        if on_change is not None:
            on_change()

    return widget(label, options, format_func=format_func, key=widget_key, on_change=keep, **kwargs)


# --- the library's English, in Swedish ----------------------------------------------------------------

# (a regular expression matching one whole English sentence of rnnlab, its Swedish): the named
# groups of the match fill the Swedish sentence's fields.
SWEDISH_LIBRARY_TEXTS: tuple[tuple[str, str], ...] = (
    (r"The file is empty\.", "Filen är tom."),
    (
        re.escape(BINARY_MESSAGE),
        "Det här ser ut att vara en binärfil (en bild eller ett program), inte text. Ladda upp en .txt-fil.",
    ),
    (
        r"This is a (?P<kind>\w+) image, not text; upload a \.txt file\.",
        "Det här är en {kind}-bild, inte text. Ladda upp en .txt-fil.",
    ),
    (
        r"This is a PDF document, .*",
        "Det här är ett PDF-dokument, inte ren text. Kopiera texten till en .txt-fil och ladda upp den.",
    ),
    (
        r"This is a compressed file .*",
        "Det här är en komprimerad fil (.zip, .docx eller .odt), inte ren text. Spara texten som en .txt-fil "
        "och ladda upp den.",
    ),
    (
        r"This is a gzip-compressed file, .*",
        "Det här är en gzip-komprimerad fil, inte text. Packa upp den och ladda upp .txt-filen som ligger i den.",
    ),
    (
        r"The file starts like (?P<name>\S+) text but is not valid \S+; save it again as UTF-8\.",
        "Filen börjar som {name}-text men är inte giltig {name}. Spara den igen som UTF-8.",
    ),
    (
        r"The file contains only spaces and line breaks, no text\.",
        "Filen innehåller bara mellanslag och radbrytningar, ingen text.",
    ),
    (r"The file is slightly larger than the (?P<limit>.+) limit\.", "Filen är lite större än gränsen på {limit}."),
    (
        r"The checkpoint file is slightly larger than the (?P<limit>.+) limit\.",
        "Modellfilen är lite större än gränsen på {limit}.",
    ),
    (
        r"The checkpoint file is (?P<size>.+), which is more than the (?P<limit>.+) limit\.",
        "Modellfilen är {size}, vilket är mer än gränsen på {limit}.",
    ),
    (
        r"The file is (?P<size>.+), which is more than the (?P<limit>.+) limit\.",
        "Filen är {size}, mer än gränsen på {limit}.",
    ),
    (
        re.escape(CP1252_WARNING),
        "Filen är inte UTF-8, så den lästes som Windows-1252 (västeuropeisk). Om några bokstäver ser konstiga "
        "ut, spara filen som UTF-8.",
    ),
    (
        re.escape(LATIN1_WARNING),
        "Filen är inte UTF-8, så den lästes som Latin-1 (ISO-8859-1). Om några bokstäver ser konstiga ut, "
        "spara filen som UTF-8.",
    ),
    (
        r"The text contains (?P<count>\d+) invisible control characters?; .*",
        "Texten innehåller {count} osynliga styrtecken. De finns kvar, men modellen lär sig dem som symboler.",
    ),
    (
        r"The text has (?P<count>[\d,]+) characters, but a sequence length of (?P<seq_len>\d+) needs at least "
        r"(?P<needed>[\d,]+) \(so that the training part and the (?P<percent>[\d.]+%) validation part each hold "
        r"(?P<window>\d+)\); use a longer text or a shorter sequence length\.",
        "Texten har {count} tecken, men sekvenslängden {seq_len} kräver minst {needed}, så att både "
        "träningsdelen och valideringsdelen ({percent}) rymmer {window} tecken i följd. Använd en längre text "
        "eller en kortare sekvenslängd.",
    ),
    (
        r"The text has (?P<count>[\d,]+) tokens \(words and punctuation marks\), but a sequence length of "
        r"(?P<seq_len>\d+) needs at least (?P<needed>[\d,]+) \(so that the training part and the "
        r"(?P<percent>[\d.]+%) validation part each hold (?P<window>\d+)\); use a longer text or a shorter "
        r"sequence length\.",
        "Texten har {count} token (ord och skiljetecken), men sekvenslängden {seq_len} kräver minst {needed}, "
        "så att både träningsdelen och valideringsdelen ({percent}) rymmer {window} token i följd. Använd en "
        "längre text eller en kortare sekvenslängd.",
    ),
    (
        r"Training diverged at step (?P<step>[\d,]+) \(the loss became (?P<loss>\S+) nats\): .*",
        "Träningen spårade ur vid steg {step} (förlusten blev {loss} nats). Inlärningstakten är troligen för "
        "hög. De senaste fungerande vikterna finns kvar.",
    ),
    (r"Stopped: the model keeps what it learned so far\.", "Stoppad. Modellen behåller det den har lärt sig hittills."),
    (
        r"Stopped before it started: it was still waiting for a free place\.",
        "Stoppad innan den hann börja: den väntade fortfarande på en ledig plats.",
    ),
    (
        r"The server restarted while this run was training; it stopped at step (?P<step>[\d,]+) with the weights "
        r"of its last evaluation\.",
        "Servern startades om medan körningen tränade. Den stannade vid steg {step} med vikterna från den "
        "senaste utvärderingen.",
    ),
    (
        r"The server restarted before this run started training\.",
        "Servern startades om innan körningen hann börja träna.",
    ),
    (
        r"This run is training on another app server: reload the page to see how far it got\.",
        "Körningen tränas på en annan server. Ladda om sidan för att se hur långt den har kommit.",
    ),
    (
        r"This run link is not valid: check that it was copied whole\.",
        "Länken till körningen är inte giltig. Kontrollera att hela länken kom med.",
    ),
    (
        r"There is no run with this link on this server \(it may have been deleted\)\.",
        "Det finns ingen körning med den här länken på servern (den kan ha tagits bort).",
    ),
    (
        r"This run's files are damaged, so it cannot be opened \((?P<reason>.*)\)\.",
        "Körningens filer är skadade, så den går inte att öppna ({reason}).",
    ),
    (r"Training failed unexpectedly: (?P<detail>.*)", "Träningen avbröts av ett oväntat fel: {detail}"),
    (r"The checkpoint file is empty\.", "Modellfilen är tom."),
    (
        r"This file is not a valid model checkpoint: it looks like a Python pickle .*",
        "Det här är ingen giltig modellfil: den ser ut som en Python-pickle (till exempel från torch.save), "
        "och sådana laddas aldrig, av säkerhetsskäl.",
    ),
    (r"This file is not a valid model checkpoint: .*", "Det här är ingen giltig modellfil från Char-RNN Lab."),
    (
        r"The checkpoint header is absurdly large .*",
        "Det här är ingen giltig modellfil: filhuvudet är orimligt stort.",
    ),
    (
        r"The checkpoint file is cut short \(truncated\).*",
        "Det här är ingen giltig modellfil: den är avkortad och tar slut för tidigt.",
    ),
    (
        r"The checkpoint has no Char-RNN Lab metadata\.",
        "Det här är ingen modellfil från Char-RNN Lab: uppgifterna om modellen saknas.",
    ),
    (
        r"The checkpoint's .*",
        "Modellfilen går inte att använda: innehållet stämmer inte med vad Char-RNN Lab väntar sig.",
    ),
)

# The built-in texts' titles and descriptions in Swedish (by the name in rnnlab.builtin_corpora).
SWEDISH_CORPORA: dict[str, tuple[str, str]] = {
    "zen": (
        "The Zen of Python",
        "Nitton korta tänkespråk (under 1 000 tecken). En modell lär sig dem snart utantill, och då ser du "
        "hur överanpassning ser ut.",
    ),
    "python": (
        "Pythonkod",
        "Ungefär en miljon tecken kod ur Pythons standardbibliotek. Se modellen lära sig indrag, parenteser "
        "och nyckelord.",
    ),
    "docstrings": (
        "Engelska ur Pythons dokumentation",
        "Ungefär en halv miljon tecken engelska meningar, hämtade ur förklaringarna (docstrings) i Pythons "
        "standardbibliotek.",
    ),
}


def library_text(text: str) -> str:
    """One of rnnlab's English sentences in the learner's language (as it is when no translation is known)."""
    if current_language() != "sv":
        return text
    for pattern, swedish in SWEDISH_LIBRARY_TEXTS:
        match = re.fullmatch(pattern, text, flags=re.DOTALL)
        if match:
            fields = {name: _swedish_digits(value) for name, value in match.groupdict().items()}
            return swedish.format(**fields)
    return text


def _swedish_digits(value: str) -> str:
    """A number the library wrote ("1,234" or "12.5") as Swedish writes it; other text as it is."""
    if re.fullmatch(r"[-+]?[\d,]+(\.\d+)?", value):
        return value.replace(",", "\u00a0").replace(".", ",")
    return value


def corpus_words(name: str) -> tuple[str, str]:
    """A built-in text's title and description in the learner's language."""
    if current_language() == "sv" and name in SWEDISH_CORPORA:
        return SWEDISH_CORPORA[name]
    return BUILTIN_CORPORA[name].title, BUILTIN_CORPORA[name].description


# --- the charts' words --------------------------------------------------------------------------------

LOSS_CHART_TEXTS = {
    "en": LossChartTexts(),
    "sv": LossChartTexts(
        train="träning",
        validation="validering",
        x_titles={"step": "träningssteg", "seconds": "träningstid (sekunder)"},
        x_names={"step": "steg", "seconds": "sekunder"},
        units={"nats": "nats", "bits": "bit", "perplexity": "perplexitet"},
        loss_title="förlust ({unit} per {token_name})",
        perplexity_title="perplexitet (logaritmisk skala)",
        references={"uniform": "jämn (ln V)", "unigram": "unigram", "bigram": "bigram"},
        separators=", ",
    ),
}

DISTRIBUTION_CHART_TEXTS = {
    "en": DistributionChartTexts(),
    "sv": DistributionChartTexts(
        original="modellen (T = 1)",
        final="efter dina inställningar",
        hover_model="modellen",
        hover_settings="inställningar",
        hover_removed=" · bortklippt av {stage}",
        stage_names={"no unknown": "välj aldrig �", "repetition penalty": "upprepningsstraff"},
        hover_drawn=" · dragen",
        probability="sannolikhet",
        cumulative="kumulativ",
        title="Entropi {entropy_before:.2f} → {entropy_after:.2f} bit · "
        "effektiva val {choices_before:.1f} → {choices_after:.1f}",
        top_k="top-k = {k}",
        top_k_unknown="top-k behåller {count}",
        top_p="top-p {p:g}: Σ = {mass:.2f}",
        top_p_unknown="top-p: Σ = {mass:.2f}",
        min_p="min-p: {ratio:.2g} × högsta stapeln",
        reordered="{cut} (inte de första staplarna: upprepningsstraffet ändrade ordningen)",
        beyond="{cut} (klipper bortom de {rows} staplar som visas)",
        drawn_last="sista stapeln, {label}, är den dragna token: nummer {rank} efter modellens sannolikhet",
        strip="u på den kumulativa fördelningen",
        lands="u = {u:.3f} hamnar på {token}",
        separators=", ",
    ),
}


def loss_chart_texts() -> LossChartTexts:
    """The loss chart's words in the learner's language."""
    return LOSS_CHART_TEXTS[current_language()]


def distribution_chart_texts() -> DistributionChartTexts:
    """The next-token chart's words in the learner's language."""
    return DISTRIBUTION_CHART_TEXTS[current_language()]
