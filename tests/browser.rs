//! The HTML report in a real browser: headless Chromium loads the page `capplan report` writes
//! and a probe, added to a copy of the page only, reads what the browser laid out: the text a
//! reader sees and the size of every chart and of the shapes drawn in it. A screenshot then
//! shows the charts' colors on screen.
//!
//! Chromium is found at `$CAPPLAN_CHROMIUM`, else as `chromium` (Debian's package, which
//! `.ci/run` installs), `chromium-browser` or `google-chrome` on the `PATH`. Without one at build
//! time the test is ignored, which the test summary shows ("1 ignored"; see `build.rs`), and
//! without one at run time it says so and passes; `CAPPLAN_REQUIRE_BROWSER`, which `.ci/run`
//! sets, makes a missing browser a failure instead.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_capplan");

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CAPPLAN_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// Runs headless Chromium on `page` with `args`, with nothing reaching out to the network.
fn browse(browser: &Path, profile: &Path, page: &Path, args: &[&str]) -> String {
    let url = format!("file://{}", page.display());
    let out = Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .output()
        .expect("Chromium starts");
    assert!(
        out.status.success(),
        "Chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Collects what the browser laid out into a `<pre id="capplan-probe">` once the page has loaded.
const PROBE: &str = r#"<script>
window.addEventListener('load', () => {
  const charts = [...document.querySelectorAll('figure svg')].map(svg => {
    const box = svg.getBoundingClientRect();
    const shapes = [...svg.querySelectorAll('polygon, polyline, path, rect')]
      .map(e => e.getBBox())
      .filter(b => b.width > 0 && b.height > 0).length;
    const texts = [...svg.querySelectorAll('text')].map(t => t.textContent.trim());
    return { width: box.width, height: box.height, shapes, texts };
  });
  const bars = [...document.querySelectorAll('.bar > span')]
    .map(b => b.getBoundingClientRect().width);
  // Each table's laid-out width against the room it has: wider scrolls sideways.
  const tables = [...document.querySelectorAll('.table-wrap')]
    .map(w => ({ scroll: w.scrollWidth, client: w.clientWidth }));
  const pre = document.createElement('pre');
  pre.id = 'capplan-probe';
  pre.textContent = JSON.stringify({ text: document.body.innerText, charts, bars, tables });
  document.body.appendChild(pre);
});
</script>"#;

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

#[test]
#[cfg_attr(
    capplan_no_browser,
    ignore = "no Chromium found: install Debian's `chromium`, or set CAPPLAN_CHROMIUM"
)]
fn the_html_report_shows_its_figures_and_draws_its_charts_in_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CAPPLAN_REQUIRE_BROWSER").is_none(),
            "CAPPLAN_REQUIRE_BROWSER is set but no Chromium was found"
        );
        eprintln!(
            "skipped: no Chromium found (install Debian's `chromium`, or set CAPPLAN_CHROMIUM)"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let page = dir.path().join("plan.html");
    let out = Command::new(BIN)
        .env("CAPPLAN_CACHE_DIR", "off")
        .args(["report", "--output"])
        .arg(&page)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CAPPLAN_CATALOG")
        .output()
        .expect("capplan runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = fs::read_to_string(&page).expect("the page");
    let probed = dir.path().join("probed.html");
    fs::write(
        &probed,
        html.replace("</body>", &format!("{PROBE}\n</body>")),
    )
    .expect("a copy");

    let dom = browse(
        &browser,
        &dir.path().join("profile-a"),
        &probed,
        &["--virtual-time-budget=10000", "--dump-dom"],
    );
    let start = dom
        .find("<pre id=\"capplan-probe\">")
        .expect("the probe ran")
        + 24;
    let end = start + dom[start..].find("</pre>").expect("the probe's end");
    let probe: Value = serde_json::from_str(&unescape(&dom[start..end])).expect("the probe's JSON");

    // The summary as `plan` prints it is what a reader sees.
    let text = probe["text"].as_str().expect("the page's text");
    let plan = Command::new(BIN)
        .env("CAPPLAN_CACHE_DIR", "off")
        .arg("plan")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CAPPLAN_CATALOG")
        .output()
        .expect("capplan runs");
    let plan = String::from_utf8(plan.stdout).expect("UTF-8");
    let mut items = 0;
    for line in plan.lines().skip(1).take_while(|l| !l.is_empty()) {
        let (label, figures) = line.trim().split_once("  ").expect("label and text");
        assert!(text.contains(label), "`{label}` is shown");
        assert!(
            text.contains(figures.trim()),
            "`{}` is shown",
            figures.trim()
        );
        items += 1;
    }
    // Six lines, compute, and one per observation of the shipped catalog.
    assert_eq!(items, 12);
    for heading in [
        "Summary",
        "Charts",
        "Plan by quarter",
        "Contracts",
        "Sources",
    ] {
        assert!(text.contains(heading), "{heading}");
    }
    // Both charts are laid out at a readable size, with their areas and lines drawn.
    let charts = probe["charts"].as_array().expect("charts");
    assert_eq!(charts.len(), 2);
    for chart in charts {
        let (w, h) = (
            chart["width"].as_f64().unwrap_or(0.0),
            chart["height"].as_f64().unwrap_or(0.0),
        );
        assert!(w >= 600.0 && h >= 300.0, "a chart of {w}x{h}");
        assert!(chart["shapes"].as_u64().unwrap_or(0) >= 10, "{chart}");
    }
    let titles: Vec<&str> = charts
        .iter()
        .filter_map(|c| c["texts"].as_array()?.first()?.as_str())
        .collect();
    assert_eq!(
        titles,
        ["Facility power by provider", "Cumulative spend by provider"]
    );
    // The plan's bars have widths: the share of the target grows to full.
    let bars: Vec<f64> = probe["bars"]
        .as_array()
        .expect("bars")
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    assert!(
        bars.len() > 20 && bars.iter().any(|w| *w > 100.0) && bars[0] < 10.0,
        "{bars:?}"
    );

    // On a 1920-pixel screen no table needs a sideways scroll, the contracts table included.
    let wide = browse(
        &browser,
        &dir.path().join("profile-c"),
        &probed,
        &[
            "--window-size=1920,1080",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ],
    );
    let start = wide
        .find("<pre id=\"capplan-probe\">")
        .expect("the probe ran")
        + 24;
    let end = start + wide[start..].find("</pre>").expect("the probe's end");
    let wide: Value = serde_json::from_str(&unescape(&wide[start..end])).expect("the probe's JSON");
    let tables = wide["tables"].as_array().expect("tables");
    assert_eq!(tables.len(), 2, "the plan and the contracts");
    for table in tables {
        let (scroll, client) = (table["scroll"].as_f64(), table["client"].as_f64());
        assert!(scroll <= client, "a table {scroll:?} wide in {client:?}");
    }

    // On screen, the first chart's first series (AMD, blue) covers a good part of the window.
    let shot = dir.path().join("shot.png");
    browse(
        &browser,
        &dir.path().join("profile-b"),
        &page,
        &[
            "--window-size=1280,1400",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        fs::File::open(&shot).expect("a screenshot"),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut pixels).expect("pixels");
    let channels = info.color_type.samples();
    let blue = pixels[..info.buffer_size()]
        .chunks(channels)
        .filter(|p| {
            let near = |a: u8, b: u8| a.abs_diff(b) < 40;
            near(p[0], 31) && near(p[1], 119) && near(p[2], 180)
        })
        .count();
    assert!(blue > 5_000, "{blue} pixels of the first series");
}
