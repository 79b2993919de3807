import FuzzSupport

runFuzzer(fuzzSignature)
