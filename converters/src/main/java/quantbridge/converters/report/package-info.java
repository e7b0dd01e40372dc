/** What a conversion did: per-tensor log lines, a progress bar, totals and the JSON report. */
package quantbridge.converters.report;
