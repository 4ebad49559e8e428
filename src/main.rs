//! `duty-search`: the command line, a thin shell over the library.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use duty_search::error::Result;
use duty_search::eval::{evaluate, load_judgments};
use duty_search::index::{build, is_stale};
use duty_search::search::{Engine, SearchRequest};
use duty_search::server::{app, AppState, CorsPolicy};

/// Search a township's duty lists (乡镇履行职责事项清单).
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Directory holding `lists/*.txt` and `lexicon/`.
    #[arg(
        long,
        global = true,
        env = "DUTY_SEARCH_CORPUS",
        default_value = "corpus"
    )]
    corpus: PathBuf,
    /// Directory of the built index.
    #[arg(
        long,
        global = true,
        env = "DUTY_SEARCH_INDEX",
        default_value = "index"
    )]
    index: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the index from the corpus.
    Index,
    /// Serve the HTTP API, building the index first when it is missing or older than the corpus.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "DUTY_SEARCH_BIND", default_value = "127.0.0.1")]
        bind: IpAddr,
        /// Port to listen on.
        #[arg(long, env = "DUTY_SEARCH_PORT", default_value_t = 8080)]
        port: u16,
        /// An origin (http://portal.example:8000, or * for any) whose pages may call the API,
        /// e.g. an intranet portal using /widget.js; repeatable, or comma-separated. Default:
        /// none, same origin only.
        #[arg(
            long = "cors-origin",
            value_name = "ORIGIN",
            env = "DUTY_SEARCH_CORS_ORIGINS"
        )]
        cors_origins: Vec<CorsPolicy>,
    },
    /// Print ranked results for a query.
    Search {
        /// The query: a keyword, a complaint, pinyin.
        query: String,
        /// Number of hits.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Also print the analysed query (concepts and their alternatives) as JSON.
        #[arg(long)]
        explain: bool,
    },
    /// Evaluate relevance on a judged queries file (JSONL).
    Eval {
        /// The judgments file.
        file: PathBuf,
        /// Also list every query whose first relevant hit is not at rank 1.
        #[arg(long)]
        verbose: bool,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tantivy=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Index => {
            let info = build(&cli.corpus, &cli.index)?;
            println!(
                "indexed {} items of {} into {}",
                info.items,
                info.towns.join("、"),
                cli.index.display()
            );
        }
        Command::Serve {
            bind,
            port,
            cors_origins,
        } => {
            ensure_index(&cli.corpus, &cli.index)?;
            let engine = Engine::open(&cli.corpus, &cli.index)?;
            let state = AppState {
                engine: Arc::new(engine),
                cors: CorsPolicy::merge(cors_origins),
            };
            serve(state, bind, port)?;
        }
        Command::Search {
            query,
            limit,
            explain,
        } => {
            ensure_index(&cli.corpus, &cli.index)?;
            let engine = Engine::open(&cli.corpus, &cli.index)?;
            if explain {
                let plan = serde_json::to_string_pretty(&engine.analyze(&query))
                    .expect("a query plan serializes");
                println!("{plan}");
            }
            let mut request = SearchRequest::new(&query)?;
            request.limit = limit;
            request.validate()?;
            let response = engine.search(&request)?;
            print_response(&response);
        }
        Command::Eval { file, verbose } => {
            ensure_index(&cli.corpus, &cli.index)?;
            let engine = Engine::open(&cli.corpus, &cli.index)?;
            let report = evaluate(&engine, &load_judgments(&file)?)?;
            print!("{report}");
            if verbose {
                for outcome in report.outcomes.iter().filter(|o| {
                    if o.out_of_scope {
                        !o.returned.is_empty()
                    } else {
                        o.first_relevant != Some(1)
                    }
                }) {
                    println!(
                        "{} [{}] {} → first relevant {:?}; got {:?}",
                        outcome.qid,
                        outcome.kind,
                        outcome.query,
                        outcome.first_relevant,
                        outcome.returned.iter().take(5).collect::<Vec<_>>()
                    );
                }
            }
        }
    }
    Ok(())
}

/// Builds the index when it is missing or older than the corpus.
fn ensure_index(corpus: &Path, index: &Path) -> Result<()> {
    if is_stale(corpus, index)? {
        tracing::info!(index = %index.display(), "index missing or older than the corpus; building");
        let info = build(corpus, index)?;
        tracing::info!(items = info.items, "index built");
    }
    Ok(())
}

fn print_response(response: &duty_search::search::SearchResponse) {
    let interpretation = &response.interpretation;
    println!("terms: {}", interpretation.terms.join(" "));
    for expansion in &interpretation.expansions {
        println!("  {} → {}", expansion.from, expansion.to.join("、"));
    }
    if response.hits.is_empty() {
        println!("no duty covers this query");
        if !response.suggestions.is_empty() {
            println!("nearest duties: {}", response.suggestions.join(" / "));
        }
        return;
    }
    println!("{} matching duties", response.total);
    for (rank, hit) in response.hits.iter().enumerate() {
        let title: String = hit.title.chars().take(40).collect();
        println!(
            "{:>2}. {:<14} [{}] {}\n    {}",
            rank + 1,
            hit.id,
            hit.list_label,
            title,
            hit.owner_statement
        );
    }
}

#[tokio::main]
async fn serve(state: AppState, bind: IpAddr, port: u16) -> Result<()> {
    let address = std::net::SocketAddr::new(bind, port);
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| duty_search::error::Error::io(address.to_string(), e))?;
    let address = listener
        .local_addr()
        .map_err(|e| duty_search::error::Error::io(address.to_string(), e))?;
    let origins: Vec<String> = state.cors.origins().iter().map(|o| o.to_string()).collect();
    tracing::info!(
        %address,
        items = state.engine.num_items(),
        cors_origins = %origins.join(","),
        "serving; search page at http://{address}/"
    );
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| duty_search::error::Error::io(address.to_string(), e))
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler installs");
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down");
}
