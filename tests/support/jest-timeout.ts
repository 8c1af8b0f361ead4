// e2e tests talk to real servers (and some start and stop them): 2 minutes per test.
jest.setTimeout(120000);
