//! Several callers to one office, their webhooks interleaved at random (arrivals, answers,
//! unanswered dials, hang-ups, duty changes), against the real server. For every caller:
//! each step offered is the next one of the chain they got at arrival, passing over only
//! assistants busy or off duty at that moment, and the last thing they hear is a person
//! or a voicemail prompt.

use std::collections::{BTreeSet, HashMap};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::chain::{leg_status, office, sid, trace, ANN, BOB, CAT, EXTERNAL, OFFICE};
use crate::helpers::{Answer, TestApp};

const ASSISTANTS: [&str; 3] = ["ann", "bob", "cat"];

#[derive(Debug, Clone)]
enum Op {
    Arrive,
    /// The caller's `n`th rung assistant picks up (when free).
    Answer(usize, usize),
    NoAnswer(usize),
    HangUp(usize),
    Duty(usize, bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Arrive),
        3 => (0..6usize, 0..3usize).prop_map(|(c, n)| Op::Answer(c, n)),
        4 => (0..6usize).prop_map(Op::NoAnswer),
        1 => (0..6usize).prop_map(Op::HangUp),
        2 => (0..3usize, any::<bool>()).prop_map(|(a, on)| Op::Duty(a, on)),
    ]
}

/// One step as a caller meets it: the assistants rung, or `external` / `voicemail`.
type Offer = BTreeSet<String>;

enum State {
    Ringing(Answer),
    Connected {
        answer: Answer,
        assistant: String,
        child: String,
    },
    Done,
}

struct Caller {
    sid: String,
    chain: Vec<Offer>,
    /// The place in `chain` of the step offered last.
    at: usize,
    state: State,
}

struct Office {
    app: TestApp,
    token: String,
    strategy: &'static str,
    callers: Vec<Caller>,
    /// Assistant → the caller they are talking to.
    busy: HashMap<String, usize>,
    off: BTreeSet<String>,
    legs: u32,
}

fn fail(message: String) -> TestCaseError {
    TestCaseError::fail(message)
}

fn who(number: &str) -> String {
    match number {
        ANN => "ann",
        BOB => "bob",
        CAT => "cat",
        EXTERNAL => "external",
        other => other,
    }
    .to_owned()
}

/// What the caller hears: the assistants (or external number) rung, or voicemail.
fn offer(answer: &Answer) -> Result<Offer, TestCaseError> {
    let verbs = answer.verbs();
    if verbs.contains(&"Dial".to_owned()) {
        return Ok(answer.dialled().iter().map(|n| who(n)).collect());
    }
    if verbs.contains(&"Record".to_owned()) {
        return Ok(["voicemail".to_owned()].into());
    }
    Err(fail(format!("neither a person nor voicemail: {}", answer.body)))
}

impl Office {
    /// Assistants who cannot be rung for caller `c` now.
    fn unavailable(&self, c: Option<usize>) -> BTreeSet<String> {
        let busy = self
            .busy
            .iter()
            .filter(|(_, with)| Some(**with) != c)
            .map(|(a, _)| a.clone());
        busy.chain(self.off.iter().cloned()).collect()
    }

    async fn arrive(&mut self) -> Result<(), TestCaseError> {
        let unavailable = self.unavailable(None);
        let call = sid('a', u32::try_from(self.callers.len()).unwrap());
        let answer = self.app.call(&call, OFFICE).await;
        let line = trace(&self.app, &call).await;
        let line = line
            .iter()
            .find_map(|l| l.strip_prefix("In turn: "))
            .unwrap_or_default();
        // "ring ann, then ring bob and cat at once, then ring the outside number, then voicemail"
        let chain: Vec<Offer> = line
            .split(", then ")
            .map(|step| match step.strip_prefix("ring ") {
                Some("the outside number") => Offer::from(["external".to_owned()]),
                Some(who) => who
                    .trim_end_matches(" at once")
                    .split([',', ' '])
                    .filter(|w| !w.is_empty() && *w != "and")
                    .map(str::to_owned)
                    .collect(),
                None => Offer::from([step.to_owned()]),
            })
            .collect();
        let rung: Vec<&str> = chain
            .iter()
            .flatten()
            .map(String::as_str)
            .filter(|a| ASSISTANTS.contains(a))
            .collect();
        let free: Vec<&str> = ASSISTANTS.into_iter().filter(|a| !unavailable.contains(*a)).collect();
        let fits = match self.strategy {
            "priority" => rung == free,
            "round_robin" => (0..free.len().max(1)).any(|r| {
                let r = r.min(free.len());
                let mut turned = free.clone();
                turned.rotate_left(r);
                rung == turned
            }),
            _ => {
                rung == free
                    && chain
                        .iter()
                        .filter(|s| s.iter().any(|a| ASSISTANTS.contains(&a.as_str())))
                        .count()
                        <= 1
            }
        };
        prop_assert!(fits, "{} chain {line:?} with {unavailable:?} away", self.strategy);
        prop_assert_eq!(chain.last().cloned(), Some(["voicemail".to_owned()].into()));
        prop_assert_eq!(&offer(&answer)?, &chain[0], "the first step is the chain's first");
        let state = match chain[0].contains("voicemail") {
            true => State::Done,
            false => State::Ringing(answer),
        };
        self.callers.push(Caller {
            sid: call,
            chain,
            at: 0,
            state,
        });
        Ok(())
    }

    async fn answer(&mut self, c: usize, n: usize) -> Result<(), TestCaseError> {
        let Some(State::Ringing(answer)) = self.callers.get(c).map(|c| &c.state) else {
            return Ok(());
        };
        let rung = answer.dialled();
        let number = rung[n % rung.len()].clone();
        let assistant = who(&number);
        if assistant == "external" || self.busy.contains_key(&assistant) {
            return Ok(());
        }
        self.legs += 1;
        let child = sid('b', self.legs);
        let caller = &self.callers[c];
        leg_status(&self.app, answer, &caller.sid, &number, &child, "in-progress").await;
        let State::Ringing(answer) = std::mem::replace(&mut self.callers[c].state, State::Done) else {
            unreachable!()
        };
        self.busy.insert(assistant.clone(), c);
        self.callers[c].state = State::Connected {
            answer,
            assistant,
            child,
        };
        Ok(())
    }

    async fn no_answer(&mut self, c: usize) -> Result<(), TestCaseError> {
        let Some(State::Ringing(answer)) = self.callers.get(c).map(|c| &c.state) else {
            return Ok(());
        };
        self.legs += 1;
        let child = sid('b', self.legs);
        let unavailable = self.unavailable(Some(c));
        let caller = &self.callers[c];
        let action = answer.first("Dial").attr("action").unwrap().to_owned();
        let next = self
            .app
            .dial_result(&action, &caller.sid, OFFICE, "no-answer", &child)
            .await;
        let offered = offer(&next)?;
        let later = caller.at + 1..caller.chain.len();
        let found = later.clone().find(|&j| {
            let owed: Offer = caller.chain[j].difference(&unavailable).cloned().collect();
            !owed.is_empty() && owed == offered
        });
        let Some(j) = found else {
            return Err(fail(format!(
                "{offered:?} is not a later step of {:?} (at {}) without {unavailable:?}",
                caller.chain, caller.at
            )));
        };
        for k in caller.at + 1..j {
            prop_assert!(
                caller.chain[k].is_subset(&unavailable),
                "step {k} {:?} was passed over though not all of it is away ({unavailable:?})",
                caller.chain[k]
            );
        }
        let caller = &mut self.callers[c];
        caller.at = j;
        caller.state = match offered.contains("voicemail") {
            true => State::Done,
            false => State::Ringing(next),
        };
        Ok(())
    }

    async fn hang_up(&mut self, c: usize) -> Result<(), TestCaseError> {
        let Some(caller) = self.callers.get_mut(c) else {
            return Ok(());
        };
        match std::mem::replace(&mut caller.state, State::Done) {
            State::Connected {
                answer,
                assistant,
                child,
            } => {
                let number = answer.dialled().into_iter().find(|n| who(n) == assistant).unwrap();
                leg_status(&self.app, &answer, &caller.sid, &number, &child, "completed").await;
                let action = answer.first("Dial").attr("action").unwrap().to_owned();
                let end = self
                    .app
                    .dial_result(&action, &caller.sid, OFFICE, "completed", &child)
                    .await;
                prop_assert_eq!(end.verbs(), ["Hangup"], "a connected call just ends");
                self.busy.remove(&assistant);
            }
            other => caller.state = other,
        }
        Ok(())
    }

    async fn duty(&mut self, a: usize, on: bool) -> Result<(), TestCaseError> {
        let assistant = ASSISTANTS[a];
        let path = format!("/api/clients/small-office/assistants/{assistant}/duty");
        let body = serde_json::json!({ "on_duty": on });
        let (status, _) = self.app.api("PUT", &path, Some(&self.token), Some(body)).await;
        prop_assert_eq!(status, 204);
        match on {
            true => self.off.remove(assistant),
            false => self.off.insert(assistant.to_owned()),
        };
        Ok(())
    }

    async fn run(&mut self, ops: &[Op]) -> Result<(), TestCaseError> {
        for op in ops {
            match *op {
                Op::Arrive => self.arrive().await?,
                Op::Answer(c, n) => self.answer(c, n).await?,
                Op::NoAnswer(c) => self.no_answer(c).await?,
                Op::HangUp(c) => self.hang_up(c).await?,
                Op::Duty(a, on) => self.duty(a, on).await?,
            }
        }
        // Nobody picks up any more: every caller still ringing goes on to the end.
        for c in 0..self.callers.len() {
            for _ in 0..=self.callers[c].chain.len() {
                self.no_answer(c).await?;
            }
            prop_assert!(
                !matches!(self.callers[c].state, State::Ringing(_)),
                "caller {c} is still ringing at the end of the chain"
            );
        }
        Ok(())
    }
}

#[test]
fn interleaved_callers_each_keep_the_chain_they_got_at_arrival() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        prop_oneof![Just("priority"), Just("round_robin"), Just("simultaneous")],
        proptest::collection::vec(op(), 1..30),
    );
    runner
        .run(&strategy, |(strategy, ops)| {
            runtime.block_on(async {
                let open = format!("[open]\nstrategy = \"{strategy}\"\nthen = [\"voicemail\"]");
                let (app, _dir) = office(&open).await;
                let token = app.admin_token(None).await;
                let mut office = Office {
                    app,
                    token,
                    strategy,
                    callers: Vec::new(),
                    busy: HashMap::new(),
                    off: BTreeSet::new(),
                    legs: 0,
                };
                office.run(&ops).await
            })
        })
        .unwrap();
}
