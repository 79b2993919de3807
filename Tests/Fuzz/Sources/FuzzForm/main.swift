import FuzzSupport

runFuzzer(fuzzForm)
