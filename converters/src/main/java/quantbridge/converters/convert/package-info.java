/**
 * The conversion pipeline every command runs once it has a plan: {@link
 * quantbridge.converters.convert.Executor} makes each planned tensor (chunked over threads, the
 * bytes independent of the thread count) and {@link quantbridge.converters.convert.Conversion}
 * writes the output and the report. Free of the command line: the README's library example calls it.
 */
package quantbridge.converters.convert;
