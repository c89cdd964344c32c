//! The command line: `serve`, `migrate up|down|status`, `schema`, `create-admin`.

use std::{io::Read, process::ExitCode};

use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};

use crate::{
    config::Settings,
    db::Db,
    error::MutationError,
    graphql,
    startup::{Application, build_state},
    telemetry,
};

#[derive(Parser)]
#[command(
    name = "donghanh",
    version,
    about = "Đồng Hành: the programme's GraphQL API"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the server (migrations are applied first).
    Serve {
        /// Load the synthetic demo data first (once) and print its sign-ins.
        #[arg(long)]
        demo: bool,
    },
    /// Loads the synthetic demo data (once) and prints its sign-ins.
    DemoData,
    /// Applies or rolls back migrations.
    Migrate {
        #[command(subcommand)]
        direction: MigrateCommand,
    },
    /// Prints the schema in SDL.
    Schema,
    /// Creates an admin account; reads the password from standard input.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        display_name: String,
    },
}

#[derive(Subcommand)]
enum MigrateCommand {
    /// Applies every pending migration.
    Up,
    /// Rolls back the last migration, or `--steps N`, or `--all`.
    Down {
        #[arg(long, default_value_t = 1)]
        steps: u32,
        #[arg(long)]
        all: bool,
    },
    /// Lists migrations and whether each is applied.
    Status,
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Schema = cli.command {
        println!("{}", graphql::sdl().trim_end());
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(telemetry::subscriber(
        "info",
        settings.log_format,
        std::io::stdout,
    ));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("starting the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "failed");
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Schema => Ok(()),
        Command::Serve { demo } => {
            let app = Application::build(settings).await?;
            if demo {
                load_demo(app.state()).await?;
            }
            tracing::info!(port = app.port(), "listening");
            app.run_until_stopped().await?;
            Ok(())
        }
        Command::Migrate { direction } => {
            let db = Db::connect(&settings).await?;
            match direction {
                MigrateCommand::Up => db.migrate(&settings).await?,
                MigrateCommand::Down { steps, all } => {
                    Migrator::down(&db.write, if all { None } else { Some(steps) }).await?
                }
                MigrateCommand::Status => Migrator::status(&db.write).await?,
            }
            Ok(())
        }
        Command::DemoData => {
            let state = build_state(settings).await?;
            load_demo(&state).await
        }
        Command::CreateAdmin {
            email,
            display_name,
        } => {
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            let state = build_state(settings).await?;
            match crate::auth::rules::create_admin(&state, &email, &display_name, password).await {
                Ok(account) => {
                    println!("created admin {} ({})", account.email, account.id);
                    Ok(())
                }
                Err(MutationError::User(error)) => {
                    let field = error.field.map(|f| f.join(".")).unwrap_or_default();
                    anyhow::bail!("{field}: {}", error.message)
                }
                Err(MutationError::Api(error)) => Err(anyhow::anyhow!("{error}")),
            }
        }
    }
}

async fn load_demo(state: &crate::app::AppState) -> anyhow::Result<()> {
    let sign_ins = crate::demo::load(state)
        .await
        .map_err(|error| anyhow::Error::new(error).context("loading demo data"))?;
    println!(
        "Demo data (synthetic) is loaded. Sign in with password {:?} as:",
        crate::demo::DEMO_PASSWORD
    );
    for (email, role) in sign_ins {
        println!("  {email:<32} {}", role.as_str());
    }
    Ok(())
}
