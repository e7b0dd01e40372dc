/** What a conversion did: per-tensor log lines, a progress bar, totals, the JSON report and its HTML page. */
package quantbridge.converters.report;
