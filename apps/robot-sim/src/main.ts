// Filled in by the execution pipeline work (DESIGN §6).
import 'reflect-metadata';
