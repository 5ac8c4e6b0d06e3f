// The test run's output filter drops workerd's reports of handled network failures, and nothing else.
import { describe, expect, it } from "vitest";
import { isWorkerdNetworkNoise } from "../../support/workerd-noise";

describe("workerd network noise", () => {
  it("recognises the reports workerd prints for a failed fetch the code caught", () => {
    for (const report of [
      "uncaught exception; source = Uncaught (in promise); stack = Error: Network connection lost.\n",
      "uncaught exception; exception = workerd/jsg/_virtual_includes/iterator/workerd/jsg/value.h:1480: disconnected: jsg.Error: Network connection lost.\nstack: /x/workerd@2f20430 /x/workerd@2f2102c\n",
      "exception = kj/async-io-unix.c++:1538: disconnected: connect(): Connection refused\nstack: /x/workerd@52008e2\n",
      "e = kj/compat/http.c++:5952: failed: protocolError.description = Invalid response status line (invalid protocol).\nstack: /x/workerd@37503e1 /x/workerd@3790e9e; sentryErrorContext = jsgInternalError; wdErrId = pb5i7v7ahe5vp3irhvk03ejc\n",
      "uncaught exception; source = Uncaught (in promise); stack = Error: internal error; reference = pb5i7v7ahe5vp3irhvk03ejc\n",
      "uncaught exception; exception = workerd/jsg/_virtual_includes/iterator/workerd/jsg/value.h:1480: failed: jsg.Error: internal error; reference = pb5i7v7ahe5vp3irhvk03ejc\nstack: /x/workerd@2f20430\n",
    ])
      expect(isWorkerdNetworkNoise(report)).toBe(true);
  });

  it("keeps everything else: test output, other errors, a report mixed with other lines", () => {
    for (const text of [
      '{"msg":"backend state sync failed"}\n',
      "uncaught exception; source = Uncaught (in promise); stack = TypeError: x is undefined\n",
      "exception = kj/async-io-unix.c++:1538: disconnected: connect(): Connection refused\nsomething else\n",
      "\n",
    ])
      expect(isWorkerdNetworkNoise(text)).toBe(false);
  });
});
