package dev.keydesk.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Page;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Checks any page of Keydesk should pass, whatever it shows, run in a real browser on the page as
 * it is at that moment (a dialog or menu open included):
 * <ul>
 *   <li><b>axe-core</b> (npm package {@code axe-core} in {@code src/test/node}, injected through the
 *       DevTools protocol, so the page's Content-Security-Policy stays as it is): no violation of
 *       impact "serious" or "critical";</li>
 *   <li><b>no sideways scroll</b>: the document is no wider than the window (a wide table scrolls in
 *       its own box instead);</li>
 *   <li><b>tables line up</b>: in every visible table, each body cell starts and ends where the
 *       header cell of its column does (a row laid out as boxes, not table cells, does not).</li>
 * </ul>
 * {@link #problems} returns what is wrong, one line each, so a test can walk many pages and report
 * them all at once.
 */
public final class PageChecks {
    private static final Path NODE_DIR = Path.of("src", "test", "node").toAbsolutePath();
    private static final Path AXE = NODE_DIR.resolve("node_modules").resolve("axe-core").resolve("axe.min.js");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static String axeSource;

    private PageChecks() {}

    /** Every problem of {@code page} as it is now, each line starting with {@code where}. */
    public static List<String> problems(Page page, String where) {
        List<String> problems = new ArrayList<>();
        for (String p : axeViolations(page)) problems.add(where + ": axe: " + p);
        String sideways = sidewaysScroll(page);
        if (sideways != null) problems.add(where + ": " + sideways);
        for (String p : misalignedCells(page)) problems.add(where + ": " + p);
        return problems;
    }

    /** Serious and critical axe violations: rule, impact, help and up to three offending elements. */
    public static List<String> axeViolations(Page page) {
        if (!Boolean.TRUE.equals(page.evaluate("() => typeof window.axe !== 'undefined'"))) {
            if (scriptsOff(page)) {
                // A browser that runs no script runs no timers either, and axe waits on timers; the
                // promise jobs of what the test evaluates still run, so axe's timers become those.
                page.evaluate("() => { window.setTimeout = (f, ms, ...args) => { Promise.resolve().then(() => f(...args)); return 0; };"
                        + " window.clearTimeout = () => {}; }");
            }
            page.evaluate(axeSource());
        }
        String raw = (String) page.evaluate("""
                async () => {
                  const result = await axe.run(document, { resultTypes: ['violations'] });
                  return JSON.stringify(result.violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                 nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '').replace(/\\s+/g, ' ')) })));
                }""");
        List<String> out = new ArrayList<>();
        try {
            for (JsonNode v : JSON.readTree(raw)) {
                out.add(v.get("id").asText() + " (" + v.get("impact").asText() + "): " + v.get("help").asText() + " at "
                        + v.get("nodes"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /**
     * Whether the browser runs no script in this page (a context without JavaScript): only then does
     * the HTML parser read a noscript element's content as elements rather than text.
     */
    private static boolean scriptsOff(Page page) {
        return Boolean.TRUE.equals(page.evaluate("""
                () => { const n = document.createElement('noscript'); n.innerHTML = '<b></b>';
                        return n.firstChild !== null && n.firstChild.nodeType === Node.ELEMENT_NODE; }"""));
    }

    /**
     * Null when the page fits the window's width, else how much wider it is and the outermost
     * elements that reach past the window's right edge outside any box that scrolls or clips.
     */
    public static String sidewaysScroll(Page page) {
        return (String) page.evaluate("""
                () => {
                  const doc = document.documentElement;
                  if (doc.scrollWidth <= doc.clientWidth + 1) return null;
                  const clips = el => { const o = getComputedStyle(el).overflowX; return o !== 'visible'; };
                  const culprits = [];
                  const walk = el => {
                    for (const child of el.children) {
                      const r = child.getBoundingClientRect();
                      if (r.right > doc.clientWidth + 1 && getComputedStyle(child).position !== 'fixed') {
                        culprits.push(child.tagName.toLowerCase() + (child.id ? '#' + child.id : '')
                          + (typeof child.className === 'string' && child.className ? '.' + child.className.trim().split(/\\s+/).join('.') : '')
                          + ' (' + Math.round(r.left) + '–' + Math.round(r.right) + ' px)');
                        if (culprits.length >= 3) return;
                      } else if (!clips(child) && child.scrollWidth > child.clientWidth + 1 && child.clientWidth > 0
                                 && r.left + child.scrollWidth > doc.clientWidth + 1 && !child.children.length) {
                        culprits.push(child.tagName.toLowerCase() + ' whose text runs to ' + Math.round(r.left + child.scrollWidth) + ' px');
                        if (culprits.length >= 3) return;
                      } else if (!clips(child)) {
                        walk(child);
                        if (culprits.length >= 3) return;
                      }
                    }
                  };
                  walk(document.body);
                  return 'scrolls sideways: ' + doc.scrollWidth + ' px of content in a ' + doc.clientWidth + ' px window; reaching past it: '
                    + (culprits.length ? culprits.join(', ') : 'nothing outside a scroll box');
                }""");
    }

    /** Body cells whose left or right edge is more than a pixel off their column's header cell. */
    public static List<String> misalignedCells(Page page) {
        @SuppressWarnings("unchecked")
        List<String> found = (List<String>) page.evaluate("""
                () => {
                  const out = [];
                  for (const table of document.querySelectorAll('table')) {
                    if (!table.offsetParent) continue;
                    const head = table.tHead && table.tHead.rows[0];
                    if (!head) continue;
                    const heads = Array.from(head.cells).filter(c => getComputedStyle(c).display !== 'none');
                    const label = table.className ? 'table.' + table.className : 'table';
                    for (const body of table.tBodies) {
                      for (const row of body.rows) {
                        const cells = Array.from(row.cells).filter(c => getComputedStyle(c).display !== 'none');
                        if (cells.some(c => c.colSpan > 1)) continue;
                        if (cells.length !== heads.length) {
                          out.push(label + ': a row has ' + cells.length + ' cells under ' + heads.length + ' headers');
                          break;
                        }
                        for (let i = 0; i < cells.length; i++) {
                          const c = cells[i].getBoundingClientRect(), h = heads[i].getBoundingClientRect();
                          if (getComputedStyle(cells[i]).display !== 'table-cell' || Math.abs(c.left - h.left) > 1 || Math.abs(c.right - h.right) > 1) {
                            out.push(label + ': the cell under "' + heads[i].textContent.trim() + '" spans ' + Math.round(c.left) + '–' + Math.round(c.right)
                              + ' px, its header ' + Math.round(h.left) + '–' + Math.round(h.right) + ' px (display: ' + getComputedStyle(cells[i]).display + ')');
                            return out;
                          }
                        }
                      }
                    }
                  }
                  return out;
                }""");
        return found;
    }

    private static synchronized String axeSource() {
        if (axeSource == null) {
            if (!Files.isRegularFile(AXE)) npmCi();
            try {
                axeSource = Files.readString(AXE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return axeSource;
    }

    /** Installs the test's npm packages (axe-core among them) the first time they are needed. */
    private static void npmCi() {
        try {
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(NODE_DIR.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!npm.waitFor(10, TimeUnit.MINUTES) || npm.exitValue() != 0) {
                npm.destroyForcibly();
                throw new AssertionError("npm ci in " + NODE_DIR + " failed; the page checks need axe-core from it");
            }
        } catch (IOException e) {
            throw new AssertionError("The page checks need Node.js and npm on the PATH to install axe-core: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while installing axe-core", e);
        }
    }
}
