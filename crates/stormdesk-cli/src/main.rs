//! `stormdesk-cli`: Stormdesk without a window.
//!
//! Exit codes: 0 ok; 1 no match, several matches, a failed execution, or
//! StackStorm refused (cancel a finished execution, an answer it rejects);
//! 2 usage, configuration or connection error. Errors are one line on stderr.

mod account;
mod aliases;
mod context;
mod desk;
mod exec;
mod execution;
mod listen;
mod offline;
mod operator;
mod output;
mod shell;
mod sim;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::output::{CliError, Out};

#[derive(Parser, Debug)]
#[command(
    name = "stormdesk-cli",
    version,
    about = "StackStorm ChatOps from the command line"
)]
struct Cli {
    /// Profile to use (default: STORMDESK_PROFILE, the config's default_profile, or "default").
    #[arg(long, global = true)]
    profile: Option<String>,
    /// Machine-readable output: JSON on stdout, `{kind, message}` on stderr.
    #[arg(long, global = true)]
    json: bool,
    /// Ignore the st2 CLI's config file (~/.st2/config).
    #[arg(long, global = true)]
    skip_config: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the StackStorm simulator in the foreground until stopped. API keys
    /// it accepts (for st2admin) come from STORMDESK_SIM_API_KEYS
    /// (comma-separated), never from the command line.
    Sim(SimArgs),
    /// An interactive session: type commands, see acks and results. Uses the
    /// profile when one is configured, the built-in demo server otherwise.
    Shell(ShellArgs),
    /// An interactive session against a built-in simulator (`shell --demo`).
    Demo(DemoArgs),
    /// Alias help, grouped by pack.
    Aliases {
        #[arg(long)]
        pack: Option<String>,
        /// Case-insensitive regular expression over the help strings.
        #[arg(long)]
        filter: Option<String>,
    },
    /// Run a ChatOps command (match_and_execute).
    Exec {
        /// Follow the execution to its end and print the result.
        #[arg(long)]
        wait: bool,
        /// Print the output live as the action prints it, and a workflow's
        /// tasks as they start and end (implies --wait).
        #[arg(long)]
        tail: bool,
        /// Confirm a command whose alias asks for it
        /// (extra.security.twofactor); without it such a command is refused.
        #[arg(long)]
        yes: bool,
        /// Give up waiting after this many seconds.
        #[arg(long, default_value_t = 600)]
        timeout: u64,
        #[arg(last = true, required = true, num_args = 1..)]
        command: Vec<String>,
    },
    /// Verify a secret against StackStorm and keep it in the OS keyring.
    Login {
        /// StackStorm base URL (saved in the profile).
        #[arg(long)]
        url: Option<String>,
        /// Username for password login (saved in the profile).
        #[arg(long)]
        username: Option<String>,
        /// The secret is an API key.
        #[arg(long, conflicts_with = "token")]
        api_key: bool,
        /// The secret is a ready token.
        #[arg(long)]
        token: bool,
        /// Read the secret from standard input instead of asking.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove the profile's secret from the keyring.
    Logout,
    /// Keep a relay secret (slack-bot-token, slack-app-token,
    /// teams-app-password, slack-webhook-url, teams-webhook-url) in the OS
    /// keyring; an empty one removes it.
    RelaySecret {
        /// slack-bot-token | slack-app-token | teams-app-password |
        /// slack-webhook-url | teams-webhook-url
        name: String,
        /// Read the secret from standard input instead of asking.
        #[arg(long)]
        stdin: bool,
    },
    /// Who this profile is, and where its secret lives (never the secret).
    Whoami,
    /// Print announcements and execution updates as they arrive.
    Listen {
        /// Also show desktop notifications.
        #[arg(long)]
        notify: bool,
    },
    /// Search or page through the local history.
    History {
        /// Full-text search.
        #[arg(long)]
        search: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Executions.
    Execution {
        #[command(subcommand)]
        command: ExecutionCommand,
    },
    /// Inquiries: the approvals (core.ask) workflows wait for.
    Inquiry {
        #[command(subcommand)]
        command: InquiryCommand,
    },
    /// Offline alias tools for pack authors.
    Alias {
        #[command(subcommand)]
        command: AliasCommand,
    },
    /// Palette suggestions for partial text, offline, as JSON lines (best first).
    Suggest {
        #[command(flatten)]
        source: AliasSource,
        /// How many suggestions at most.
        #[arg(long, default_value_t = 8)]
        limit: usize,
        #[arg(last = true, num_args = 0..)]
        partial: Vec<String>,
    },
    /// Match a command offline against aliases from a file or a pack.
    Match {
        #[command(flatten)]
        source: AliasSource,
        #[arg(last = true, required = true, num_args = 1..)]
        command: Vec<String>,
    },
    /// The desk without a window: keep one running (stream, notifications,
    /// relay, history) and talk to it over its local socket.
    Desk {
        #[command(subcommand)]
        command: DeskCommand,
        /// The desk's socket (default: STORMDESK_SOCKET, or
        /// $XDG_RUNTIME_DIR/stormdesk/desk.sock).
        #[arg(long, global = true)]
        socket: Option<PathBuf>,
    },
    /// Write the manual pages (stormdesk-cli.1 and one per subcommand) into
    /// DIR; the package build installs them.
    #[command(hide = true)]
    Manpages { dir: PathBuf },
}

#[derive(Subcommand, Debug)]
enum DeskCommand {
    /// Run the desk in the foreground until stopped (Ctrl-C, SIGTERM): the
    /// profile (or the first-run state), or the demo server with --demo.
    Serve {
        #[arg(long)]
        demo: bool,
    },
    /// Run one of the pane's commands in the running desk; its result as JSON.
    /// ARGS is a JSON object, or '-' to read it from standard input (the
    /// commands that take a secret accept only that).
    Call {
        command: String,
        args: Option<String>,
    },
    /// Print the running desk's events, one JSON object per line.
    Events,
}

#[derive(Subcommand, Debug)]
enum ExecutionCommand {
    /// Show one execution.
    Get { id: String },
    /// Cancel a running execution (a finished one cannot be; StackStorm says so).
    Cancel { id: String },
    /// Pause a running workflow (orquesta); its running tasks finish first.
    Pause { id: String },
    /// Resume a paused workflow.
    Resume { id: String },
    /// Run an execution's action again, with the same parameters except
    /// those given as key=value (read as the action types them). The alias
    /// that started it still holds: its fixed (immutable) parameters cannot
    /// change, and one that asks to be confirmed (extra.security.twofactor)
    /// runs only with --yes.
    Rerun {
        id: String,
        #[arg(num_args = 0..)]
        parameters: Vec<String>,
        /// Confirm an execution whose alias asks for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand, Debug)]
enum InquiryCommand {
    /// The inquiries waiting for an answer, with their fields.
    List,
    /// Answer an inquiry: key=value per field (yes/no for booleans), or
    /// --answer with the whole answer as JSON. Checked against its schema
    /// first. (Not --json: that is every command's machine-readable output.)
    Respond {
        id: String,
        /// The answer as a JSON object, e.g. '{"approved": true}'.
        #[arg(long, conflicts_with = "fields")]
        answer: Option<String>,
        #[arg(num_args = 0.., required_unless_present = "answer")]
        fields: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
enum AliasCommand {
    /// Extract parameters from COMMAND with FORMAT, as StackStorm would.
    Test {
        #[arg(long)]
        format: String,
        #[arg(last = true, num_args = 0..)]
        command: Vec<String>,
    },
}

#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub struct AliasSource {
    /// A JSON array of aliases as `GET /api/v1/actionalias` returns them.
    #[arg(long)]
    aliases: Option<PathBuf>,
    /// A pack directory (its aliases/*.yaml), or a directory of packs.
    #[arg(long)]
    pack: Option<PathBuf>,
}

/// Comma-separated API keys (for st2admin) the simulator accepts besides
/// the demo password.
const SIM_API_KEYS_ENV: &str = "STORMDESK_SIM_API_KEYS";

#[derive(Args, Debug)]
struct SimArgs {
    /// Loopback address to listen on.
    #[arg(long, default_value = "127.0.0.1:9101")]
    listen: SocketAddr,
    /// Load packs from this directory instead of the demo packs.
    #[arg(long)]
    packs: Option<PathBuf>,
    /// Multiply simulated action durations (0 = instant).
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Seconds between stream heartbeats.
    #[arg(long, default_value_t = 25)]
    heartbeat: u64,
}

#[derive(Args, Debug)]
struct ShellArgs {
    /// Use the built-in demo server even when a profile is configured.
    #[arg(long)]
    demo: bool,
    #[command(flatten)]
    demo_args: DemoArgs,
}

#[derive(Args, Debug)]
struct DemoArgs {
    /// Multiply simulated action durations (0 = instant).
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STORMDESK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let out = Out { json: cli.json };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return out.fail(&CliError::Usage(format!("cannot start runtime: {e}"))),
    };
    match runtime.block_on(run(cli, &out)) {
        Ok(code) => code,
        Err(e) => out.fail(&e),
    }
}

async fn run(cli: Cli, out: &Out) -> Result<ExitCode, CliError> {
    let ctx = context::Context {
        profile: cli.profile.clone(),
        skip_config: cli.skip_config,
    };
    match cli.command {
        Command::Sim(a) => {
            // API keys come from the environment, never the command line, where
            // every user's process list would show them.
            let keys = std::env::var(SIM_API_KEYS_ENV).unwrap_or_default();
            let keys = keys
                .split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_string)
                .collect();
            sim::sim(out, a.listen, a.packs, a.time_scale, a.heartbeat, keys).await
        }
        Command::Demo(a) => sim::demo(out, a.time_scale).await,
        Command::Shell(a) => {
            if a.demo {
                return sim::demo(out, a.demo_args.time_scale).await;
            }
            match ctx.client_and_profile().await {
                Ok((client, profile)) => shell::shell(out, &client, &profile).await,
                Err(CliError::Client(e)) if ctx.nothing_configured(&e) => {
                    eprintln!("No StackStorm configured (no profile, no ST2_BASE_URL): starting the demo server.");
                    sim::demo(out, a.demo_args.time_scale).await
                }
                Err(e) => Err(e),
            }
        }
        Command::Aliases { pack, filter } => {
            let client = ctx.client().await?;
            aliases::aliases(out, &client, pack.as_deref(), filter.as_deref()).await
        }
        Command::Exec {
            wait,
            tail,
            yes,
            timeout,
            command,
        } => {
            let (client, profile) = ctx.client_and_profile().await?;
            let follow = match (wait, tail) {
                (_, true) => exec::Following::Tail,
                (true, false) => exec::Following::Wait,
                (false, false) => exec::Following::No,
            };
            let run = exec::Run {
                following: follow,
                confirmed: yes,
                timeout,
            };
            exec::exec(out, &client, &profile, &command.join(" "), run).await
        }
        Command::Login {
            url,
            username,
            api_key,
            token,
            password_stdin,
        } => {
            let args = account::LoginArgs {
                url,
                username,
                api_key,
                token,
                password_stdin,
            };
            account::login(out, &ctx, args).await
        }
        Command::Logout => account::logout(out, &ctx).await,
        Command::RelaySecret { name, stdin } => account::relay_secret(out, &name, stdin).await,
        Command::Whoami => account::whoami(out, &ctx).await,
        Command::Listen { notify } => {
            let (client, profile) = ctx.client_and_profile().await?;
            listen::listen(out, &client, &profile, notify).await
        }
        Command::History { search, limit } => offline::history(out, search.as_deref(), limit),
        Command::Execution { command } => {
            let client = ctx.client().await?;
            let (id, verb) = match command {
                ExecutionCommand::Get { id } => {
                    return execution::execution_get(out, &client, &id).await
                }
                ExecutionCommand::Cancel { id } => (id, operator::ControlVerb::Cancel),
                ExecutionCommand::Pause { id } => (id, operator::ControlVerb::Pause),
                ExecutionCommand::Resume { id } => (id, operator::ControlVerb::Resume),
                ExecutionCommand::Rerun {
                    id,
                    parameters,
                    yes,
                } => (id, operator::ControlVerb::Rerun(parameters, yes)),
            };
            operator::execution_control(out, &client, &id, verb).await
        }
        Command::Inquiry { command } => {
            let client = ctx.client().await?;
            match command {
                InquiryCommand::List => operator::inquiry_list(out, &client).await,
                InquiryCommand::Respond { id, answer, fields } => {
                    operator::inquiry_respond(out, &client, &id, answer.as_deref(), &fields).await
                }
            }
        }
        Command::Alias {
            command: AliasCommand::Test { format, command },
        } => offline::alias_test(out, &format, &command.join(" ")),
        Command::Suggest {
            source,
            limit,
            partial,
        } => offline::suggest(
            source.aliases.as_deref(),
            source.pack.as_deref(),
            &partial.join(" "),
            limit,
        ),
        Command::Desk { command, socket } => match command {
            DeskCommand::Serve { demo } => desk::serve(out, demo, socket).await,
            DeskCommand::Call { command, args } => {
                desk::call(out, socket, &command, args.as_deref()).await
            }
            DeskCommand::Events => desk::events(socket).await,
        },
        Command::Manpages { dir } => {
            std::fs::create_dir_all(&dir)
                .and_then(|()| clap_mangen::generate_to(Cli::command(), &dir))
                .map_err(|e| {
                    CliError::Usage(format!(
                        "cannot write manual pages to {}: {e}",
                        dir.display()
                    ))
                })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Match { source, command } => offline::match_offline(
            out,
            source.aliases.as_deref(),
            source.pack.as_deref(),
            &command.join(" "),
        ),
    }
}
